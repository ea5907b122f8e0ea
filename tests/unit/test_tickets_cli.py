"""``seatguard tickets verify`` checks a code with nothing but the public key file."""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from seatguard.cli import app
from seatguard.tickets.codes import sign_ticket
from seatguard.tickets.keys import public_key_pem

KEY = Ed25519PrivateKey.generate()


def test_verify_with_a_public_key_file(tmp_path):
    key_file = tmp_path / "ticket-public.pem"
    key_file.write_text(public_key_pem(KEY.public_key()))
    ticket_id = uuid.uuid4()
    code = sign_ticket(
        ticket_id=ticket_id, event_id=uuid.uuid4(), seat_label="VIP A1", private_key=KEY
    )
    runner = CliRunner()
    ok = runner.invoke(app, ["tickets", "verify", code, "--public-key", str(key_file)])
    assert ok.exit_code == 0
    assert "VALID" in ok.output
    assert str(ticket_id) in ok.output
    assert "VIP A1" in ok.output
    other = sign_ticket(
        ticket_id=ticket_id,
        event_id=uuid.uuid4(),
        seat_label="VIP A1",
        private_key=Ed25519PrivateKey.generate(),
    )
    forged = runner.invoke(app, ["tickets", "verify", other, "--public-key", str(key_file)])
    assert forged.exit_code == 1
    malformed = runner.invoke(app, ["tickets", "verify", "junk", "--public-key", str(key_file)])
    assert malformed.exit_code == 1
