"""Password policy (in the spirit of NIST SP 800-63B) and Argon2id hashing.

Length counts Unicode code points after NFKC normalisation: at least 8, at most 128, any
characters allowed, no composition rules. A password on the shipped list of common passwords,
or equal to the account's email or its local part, is refused.

Argon2id is the only hash written. Accounts imported from the original keep its bcrypt hashes
(``$2a$``/``$2b$``/``$2y$``) until their first login, which verifies the bcrypt hash and, since
``needs_rehash`` is then true, stores an Argon2id hash in its place.
"""

from __future__ import annotations

import unicodedata
from functools import cache, cached_property
from importlib.resources import files

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from seatguard.common.errors import Invalid

MIN_LENGTH = 8
MAX_LENGTH = 128
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
BCRYPT_MAX_BYTES = 72


@cache
def common_passwords() -> frozenset[str]:
    text = (files("seatguard.auth") / "data" / "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def check_policy(password: str, *, email: str | None = None) -> None:
    """Raise ``Invalid`` (422) with a sentence a person can act on."""
    text = normalise(password)
    if len(text) < MIN_LENGTH:
        raise Invalid(
            f"The password must have at least {MIN_LENGTH} characters.",
            code="password_too_short",
            details={"minLength": MIN_LENGTH},
        )
    if len(text) > MAX_LENGTH:
        raise Invalid(
            f"The password must have at most {MAX_LENGTH} characters.",
            code="password_too_long",
            details={"maxLength": MAX_LENGTH},
        )
    lowered = text.casefold()
    if lowered in common_passwords():
        raise Invalid(
            "This password is too common and easy to guess; choose another.",
            code="password_too_common",
        )
    if email:
        address = email.casefold()
        if lowered in (address, address.split("@", 1)[0]):
            raise Invalid("The password must not be your email address.", code="password_is_email")


def is_bcrypt(password_hash: str) -> bool:
    return password_hash.startswith(BCRYPT_PREFIXES)


def verify_bcrypt(password_hash: str, password: str) -> bool:
    """Check a bcrypt hash as the original's node bcrypt did: the first 72 UTF-8 bytes only.

    The password is not normalised: the original hashed it exactly as it was typed.
    """
    try:
        secret = password.encode("utf-8")[:BCRYPT_MAX_BYTES]
        return bcrypt.checkpw(secret, password_hash.encode("ascii"))
    except ValueError:  # a malformed hash (or one that is not ASCII) matches nothing
        return False


class Passwords:
    """Argon2id hashing with the parameters of ``hasher`` (RFC 9106 defaults)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self.hasher.hash(normalise(password))

    def verify(self, password_hash: str, password: str) -> bool:
        if is_bcrypt(password_hash):
            return verify_bcrypt(password_hash, password)
        try:
            return self.hasher.verify(password_hash, normalise(password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True for any hash but an Argon2id one made with this hasher's parameters."""
        if is_bcrypt(password_hash):
            return True
        try:
            return self.hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    @cached_property
    def dummy_hash(self) -> str:
        """Verified against when the email is unknown, so both answers take as long."""
        return self.hasher.hash("dummy password that matches nothing")

    def burn(self, password: str) -> None:
        self.verify(self.dummy_hash, password)


default_passwords = Passwords()
