"""Ticket codes: signed offline, verified with the public key alone."""

from __future__ import annotations

import base64
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from seatguard.settings import Settings
from seatguard.tickets.codes import (
    ForgedCode,
    MalformedCode,
    b64url_encode,
    sign_ticket,
    verify_code,
)
from seatguard.tickets.keys import (
    TicketKeyError,
    load_ticket_keys,
    parse_private_key,
    parse_public_key,
    private_key_pem,
    public_key_pem,
)

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
TICKET = uuid.UUID("6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b")
EVENT = uuid.UUID("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")


def code(label: str = "PLATEA B12", key: Ed25519PrivateKey = KEY) -> str:
    return sign_ticket(ticket_id=TICKET, event_id=EVENT, seat_label=label, private_key=key)


def test_round_trip_gives_back_the_claims():
    claims = verify_code(code("GENERAL G7"), KEY.public_key())
    assert (claims.ticket_id, claims.event_id, claims.seat_label) == (TICKET, EVENT, "GENERAL G7")
    assert claims.version == "SG1"


def test_code_is_compact_ascii_for_a_qr_code():
    text = code()
    assert text.startswith("SG1.")
    assert text.isascii()
    assert len(text) < 160
    assert text == code()  # Ed25519 is deterministic


def test_unicode_seat_label_survives():
    assert verify_code(code("PALCO Ñ3"), KEY.public_key()).seat_label == "PALCO Ñ3"


def test_code_from_another_key_is_forged():
    other = Ed25519PrivateKey.generate()
    with pytest.raises(ForgedCode) as err:
        verify_code(code(key=other), KEY.public_key())
    assert (err.value.code, err.value.status_code) == ("forged_code", 404)


def test_tampered_payload_is_forged():
    version, payload, signature = code("GENERAL G7").split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[-1] = ord("8")  # GENERAL G7 -> GENERAL G8
    tampered = f"{version}.{b64url_encode(bytes(raw))}.{signature}"
    with pytest.raises(ForgedCode):
        verify_code(tampered, KEY.public_key())


def test_flipped_signature_bit_is_forged():
    version, payload, signature = code().split(".")
    sig = bytearray(base64.urlsafe_b64decode(signature + "=="))
    sig[0] ^= 1
    with pytest.raises(ForgedCode):
        verify_code(f"{version}.{payload}.{b64url_encode(bytes(sig))}", KEY.public_key())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "SG1.abc",
        "SG2." + code()[4:],
        code() + ".x",
        "SG1.!!!!.????",
        "SG1." + b64url_encode(b"short") + "." + b64url_encode(b"s" * 64),
        "SG1." + b64url_encode(b"x" * 40) + "." + b64url_encode(b"too short"),
        "SG1.ñ." + "a" * 86,
        "SG1." + "A" * 600 + "." + "B" * 86,
    ],
)
def test_malformed_codes_are_rejected(text):
    with pytest.raises(MalformedCode) as err:
        verify_code(text, KEY.public_key())
    assert (err.value.code, err.value.status_code) == ("malformed_code", 400)


def test_keys_parse_from_pem_and_raw_base64():
    raw = base64.b64encode(KEY.private_bytes_raw()).decode()
    raw_url = b64url_encode(KEY.private_bytes_raw())
    for text in (private_key_pem(KEY), raw, raw_url):
        assert parse_private_key(text).private_bytes_raw() == KEY.private_bytes_raw()
    pub = KEY.public_key()
    for text in (public_key_pem(pub), b64url_encode(pub.public_bytes_raw())):
        assert parse_public_key(text).public_bytes_raw() == pub.public_bytes_raw()
    with pytest.raises(TicketKeyError):
        parse_private_key(b64url_encode(b"not 32 bytes"))


def test_settings_key_is_used_when_given(tmp_path):
    settings = Settings(
        env="production",
        jwt_secret="x" * 40,
        ticket_signing_key=private_key_pem(KEY),
        ticket_key_file=str(tmp_path / "k.pem"),
    )
    keys = load_ticket_keys(settings)
    assert keys.public_key.public_bytes_raw() == KEY.public_key().public_bytes_raw()
    assert not (tmp_path / "k.pem").exists()


def test_production_without_a_key_is_refused(tmp_path):
    settings = Settings(env="production", jwt_secret="x" * 40, ticket_key_file=str(tmp_path / "k"))
    with pytest.raises(TicketKeyError, match="TICKET_SIGNING_KEY"):
        load_ticket_keys(settings)


def test_development_key_is_generated_once_and_kept(tmp_path):
    path = tmp_path / "keys" / "ticket.pem"
    settings = Settings(env="development", ticket_key_file=str(path))
    first = load_ticket_keys(settings)
    assert path.exists()
    assert path.stat().st_mode & 0o777 == 0o600
    second = load_ticket_keys(settings)
    assert first.public_raw_b64url == second.public_raw_b64url
    signed = sign_ticket(
        ticket_id=TICKET, event_id=EVENT, seat_label="A1", private_key=first.private_key
    )
    assert verify_code(signed, second.public_key).seat_label == "A1"


B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def lenient(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.mark.parametrize("label", ["A1", "PLATEA B12", "Балкон 7", "GENERAL G50 x"])
def test_a_code_is_accepted_in_exactly_one_spelling(label):
    """Every other text that a lenient base64 decoder maps to the same bytes is refused."""
    genuine = code(label)
    assert verify_code(genuine, KEY.public_key()).seat_label == label
    version, payload, signature = genuine.split(".")
    variants = []
    for index, part in ((1, payload), (2, signature)):
        for char in B64URL:
            changed = part[:-1] + char
            if changed != part and lenient(changed) == lenient(part):
                pieces = [version, payload, signature]
                pieces[index] = changed
                variants.append(".".join(pieces))
        for stray in ("=", "==", "!", " ", "\n", "+", "/"):
            pieces = [version, payload, signature]
            pieces[index] = part[:5] + stray + part[5:]
            variants.append(".".join(pieces))
    assert any(lenient(v.split(".")[2]) == lenient(signature) for v in variants[:3])
    for variant in variants:
        with pytest.raises((MalformedCode, ForgedCode)):
            verify_code(variant, KEY.public_key())
