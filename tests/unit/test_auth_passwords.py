"""Password policy, Argon2id hashing and the original's bcrypt hashes (no database)."""

from __future__ import annotations

import bcrypt
import pytest
from argon2 import PasswordHasher

from seatguard.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    Passwords,
    check_policy,
    common_passwords,
    is_bcrypt,
)
from seatguard.common.errors import Invalid

# Cheap parameters keep these tests fast; the argon2id variant and the logic are the same.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def refused(password: str, **kw: str) -> Invalid:
    with pytest.raises(Invalid) as err:
        check_policy(password, **kw)
    assert err.value.status_code == 422
    return err.value


def test_shipped_list_has_thousands_of_lowercase_entries_of_policy_length():
    words = common_passwords()
    assert 2000 <= len(words) <= 20000
    assert {"password", "12345678", "iloveyou", "qwertyuiop"} <= words
    assert all(w == w.lower() and MIN_LENGTH <= len(w) <= MAX_LENGTH for w in words)


def test_short_password_is_refused_with_the_minimum_in_the_message():
    err = refused("abc1234")
    assert err.code == "password_too_short"
    assert "at least 8" in err.message


def test_length_counts_code_points_not_bytes():
    refused("ñandú12")  # 7 characters, 9 bytes
    check_policy("🎸🎸🎸🎸🎸🎸🎸🎸")  # 8 characters: any character is allowed


def test_overlong_password_is_refused():
    check_policy("x7!" * 42 + "ab")  # exactly 128
    err = refused("a" * (MAX_LENGTH + 1))
    assert err.code == "password_too_long"


@pytest.mark.parametrize("password", ["password", "PassWord1", "iloveyou", "1q2w3e4r5t"])
def test_common_passwords_are_refused_in_any_case(password):
    err = refused(password)
    assert err.code == "password_too_common"
    assert "common" in err.message


def test_password_equal_to_the_email_or_its_local_part_is_refused():
    assert refused("Rocio.Alvarez@example.com", email="rocio.alvarez@example.com").code == (
        "password_is_email"
    )
    assert refused("rocio.alvarez", email="rocio.alvarez@example.com").code == "password_is_email"


def test_long_unusual_passphrases_pass_without_composition_rules():
    check_policy("correct horse battery staple")
    check_policy("all lowercase words only here")


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    passwords = Passwords(FAST)
    stored = passwords.hash("a fine passphrase")
    assert stored.startswith("$argon2id$")
    assert "a fine passphrase" not in stored
    assert passwords.verify(stored, "a fine passphrase")
    assert not passwords.verify(stored, "a fine passphrasE")
    assert not passwords.verify("not-a-hash", "a fine passphrase")


def test_equivalent_unicode_forms_verify_alike():
    passwords = Passwords(FAST)
    stored = passwords.hash("cafe\u0301 au lait")  # e + combining accent
    assert passwords.verify(stored, "caf\u00e9 au lait")  # precomposed é


def test_needs_rehash_when_parameters_change():
    old = Passwords(FAST).hash("a fine passphrase")
    stronger = Passwords(PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert stronger.verify(old, "a fine passphrase")
    assert stronger.needs_rehash(old)
    assert not stronger.needs_rehash(stronger.hash("a fine passphrase"))
    assert stronger.needs_rehash("garbage")


def test_dummy_hash_matches_nothing_and_is_reused():
    passwords = Passwords(FAST)
    assert passwords.dummy_hash is passwords.dummy_hash
    assert not passwords.verify(passwords.dummy_hash, "password")
    passwords.burn("anything")  # must not raise


def original_hash(password: str, *, prefix: str = "$2b$") -> str:
    """A hash as the original's node bcrypt made it: only the first 72 bytes count."""
    made = bcrypt.hashpw(password.encode()[:72], bcrypt.gensalt(rounds=4)).decode()
    return prefix + made[4:]


@pytest.mark.parametrize("prefix", ["$2a$", "$2b$", "$2y$"])
def test_the_originals_bcrypt_hashes_verify_and_always_need_a_rehash(prefix):
    passwords = Passwords(FAST)
    stored = original_hash("Entradas#2028", prefix=prefix)
    assert is_bcrypt(stored)
    assert passwords.verify(stored, "Entradas#2028")
    assert not passwords.verify(stored, "entradas#2028")
    assert passwords.needs_rehash(stored)
    upgraded = passwords.hash("Entradas#2028")
    assert upgraded.startswith("$argon2id$")
    assert not passwords.needs_rehash(upgraded)


def test_a_bcrypt_password_longer_than_72_bytes_verifies_on_its_first_72():
    passwords = Passwords(FAST)
    long = "xx" + "ñandú-" * 12 + "xx"  # 100 bytes; byte 72 falls inside the ninth "ú"
    assert len(long.encode()) == 100
    stored = original_hash(long)
    assert passwords.verify(stored, long)
    assert passwords.verify(stored, long[:60] + "anything after byte 72 is ignored")
    assert not passwords.verify(stored, long[:20])
    # The new hash counts every character: past the upgrade, the tail matters again.
    upgraded = passwords.hash(long)
    assert passwords.verify(upgraded, long)
    assert not passwords.verify(upgraded, long[:60] + "anything after byte 72 is ignored")


def test_bcrypt_checks_the_password_as_typed_not_normalised():
    passwords = Passwords(FAST)
    stored = original_hash("cafe\u0301 au lait")  # node hashed the decomposed form as sent
    assert passwords.verify(stored, "cafe\u0301 au lait")
    assert not passwords.verify(stored, "caf\u00e9 au lait")


@pytest.mark.parametrize(
    "stored",
    [
        "$2b$12$short",
        "$2b$",
        "$2a$99$" + "a" * 53,
        "$2y$12$ñññññññññññññññññññññññññññññññññññññññññññññññññññññ",
        "$argon2id$v=19$m=65536,t=3,p=4$garbage",
        "",
    ],
)
def test_a_malformed_stored_hash_matches_nothing_and_does_not_raise(stored):
    passwords = Passwords(FAST)
    assert not passwords.verify(stored, "Entradas#2028")
    assert passwords.needs_rehash(stored)
