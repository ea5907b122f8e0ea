"""Wire shapes of the auth service. No schema here has a field for the password hash."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from seatguard.common.emails import EmailAddress
from seatguard.common.schemas import CamelModel

# The languages an account may choose (seatguard.common.i18n.LANGUAGES); "" clears the choice.
Language = Literal["", "en", "es"]

# Generous bounds for the wire; the password policy gives the precise 422 messages.
PasswordField = Field(min_length=1, max_length=1024)


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: EmailAddress
    password: str = PasswordField
    name: str | None = Field(default=None, max_length=200)
    language: Language = ""


class ProfileIn(BaseModel):
    """The account's own settings; a field left out stays as it is."""

    model_config = ConfigDict(extra="ignore")

    name: str | None = Field(default=None, max_length=200)
    language: Language | None = None


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str = Field(min_length=1, max_length=320)
    password: str = PasswordField


class UserOut(CamelModel):
    id: str
    email: str
    name: str
    role: str
    language: str
    created_at: datetime


class ProfileOut(UserOut):
    """The updated account and a fresh token that carries its language."""

    access_token: str
    expires_in: int


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme, not a secret
    expires_in: int = Field(description="Seconds until the token expires")


class JwksOut(BaseModel):
    keys: list[dict[str, str]]


class AcceptInvitationIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    token: str = Field(min_length=1, max_length=4096)
    password: str = PasswordField
