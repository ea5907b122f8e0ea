"""Where emails go: an SMTP server, or ``.eml`` files in an outbox folder (the default).

``send`` either hands the message over or raises ``DeliveryFailed``, so a queue job that
calls it is retried when the server is down.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import tempfile
import time
import uuid
from pathlib import Path
from typing import Literal, Protocol

from seatguard.notify.mime import OutgoingEmail
from seatguard.settings import Settings

Security = Literal["starttls", "ssl", "none"]


class DeliveryFailed(RuntimeError):
    """The message was not handed over; sending it again later may work."""


class Mailer(Protocol):
    def send(self, message: OutgoingEmail) -> None: ...


class SmtpBackend:
    def __init__(
        self,
        host: str,
        port: int = 587,
        *,
        user: str | None = None,
        password: str | None = None,
        security: Security = "starttls",
        timeout: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.security = security
        self.timeout = timeout
        self.ssl_context = ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self.ssl_context
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            client.starttls(context=self.ssl_context)
        return client

    def send(self, message: OutgoingEmail) -> None:
        try:
            with self._connect() as client:
                if self.user:
                    client.login(self.user, self.password or "")
                client.sendmail(message.sender, list(message.recipients), message.raw)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {exc}") from exc


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileOutboxBackend:
    """Each message becomes ``<Message-ID>.eml``, written to a temp file then renamed.

    A message sent again (same Message-ID) replaces its file instead of adding a copy.
    The temp file is ``.<random>.part``, so a writer killed mid-write never leaves a
    half message that looks like an ``.eml``; ``.part`` files an hour old are removed by a
    send, the first one and then one every ``sweep_every`` seconds (finding them lists the
    whole folder, which on every send would cost more the more messages it holds).
    """

    stale_after = 3600.0
    sweep_every = 600.0

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._next_sweep = 0.0

    def path_for(self, message: OutgoingEmail) -> Path:
        raw = str(message.message_id or uuid.uuid4()).strip("<>")
        name = _UNSAFE.sub("_", raw).strip("._") or str(uuid.uuid4())
        return self.directory / f"{name[:180]}.eml"

    def send(self, message: OutgoingEmail) -> None:
        target = self.path_for(message)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if time.monotonic() >= self._next_sweep:
                self._next_sweep = time.monotonic() + self.sweep_every
                self._remove_stale_parts()
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(message.raw)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise DeliveryFailed(f"outbox {self.directory}: {exc}") from exc

    def _remove_stale_parts(self) -> None:
        cutoff = time.time() - self.stale_after
        for part in self.directory.glob(".*.part"):
            try:
                if part.stat().st_mtime < cutoff:
                    part.unlink()
            except FileNotFoundError:
                pass  # another writer finished or removed it


def build_mailer(settings: Settings) -> Mailer:
    """SMTP when ``SMTP_HOST`` is set, else the file outbox (``EMAIL_OUTBOX_DIR``)."""
    if settings.smtp_host:
        return SmtpBackend(
            settings.smtp_host,
            settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_pass,
            security=settings.smtp_security,
            timeout=settings.smtp_timeout,
        )
    return FileOutboxBackend(settings.email_outbox_dir)
