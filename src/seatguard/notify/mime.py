"""A small MIME writer: an email's bytes written once, ready for SMTP or the outbox.

The standard library's ``EmailMessage`` parses a header object on every set and refolds every
header and body on every write; our emails are always the same few shapes (text and HTML
alternatives, an inline image, attachments), so they are written directly:

- headers: ASCII values folded at spaces to 78 characters; anything else (non-ASCII text, a
  word too long to fold, text that looks like an encoded word) as RFC 2047 encoded words of
  UTF-8, split on character boundaries; display names quoted or encoded as RFC 5322 asks;
- bodies: text as 7bit when it is ASCII with short lines, else quoted-printable; binary
  parts base64 in 76-character lines; every line ends in CRLF;
- multipart boundaries are random and checked against the parts they separate.

``OutgoingEmail.parsed()`` reads the bytes back with the standard library's parser.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

MAX_LINE = 78
_ATEXT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")  # a phrase that needs no quoting
_PRINTABLE_ASCII = re.compile(r"[ -~]*")


@dataclass(frozen=True, slots=True)
class Part:
    """One MIME entity: its header lines (already encoded) and its encoded body."""

    headers: tuple[bytes, ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    """A whole message: ``raw`` is what goes over SMTP (DATA) or into the outbox."""

    raw: bytes
    sender: str  # the envelope sender (the From address)
    recipients: tuple[str, ...]  # the envelope recipients (the To addresses)
    headers: tuple[tuple[str, str], ...]  # the top-level headers as given, before encoding

    def __getitem__(self, name: str) -> str | None:
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def message_id(self) -> str | None:
        return self["Message-ID"]

    def parsed(self) -> EmailMessage:
        """The message as the standard library reads it (tests, the outbox's readers)."""
        message = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


# --- headers -------------------------------------------------------------------------------


def _encoded_words(text: str, *, first: int) -> list[str]:
    """``text`` as base64 encoded words of UTF-8, each a whole number of characters and short
    enough that a folded line stays within 78 characters (``first`` is what precedes the
    first word on its line)."""
    words: list[str] = []
    chunk: list[str] = []
    size = 0
    room = max((MAX_LINE - first - 12) // 4 * 3, 3)
    for char in text:
        width = len(char.encode())
        if chunk and size + width > room:
            words.append(_word("".join(chunk)))
            chunk, size, room = [], 0, (MAX_LINE - 1 - 12) // 4 * 3
        chunk.append(char)
        size += width
    if chunk or not words:
        words.append(_word("".join(chunk)))
    return words


def _word(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode("ascii") + "?="


def _plain(value: str) -> bool:
    return _PRINTABLE_ASCII.fullmatch(value) is not None and "=?" not in value


def _fold(name: str, words: Sequence[str], *, joiner: str = " ") -> bytes:
    """``Name: w1 w2 …`` with line breaks (CRLF and a space) between words where needed."""
    lines: list[str] = []
    line = f"{name}:"
    for index, word in enumerate(words):
        sep = " " if index == 0 else joiner
        if index > 0 and len(line) + len(sep) + len(word) > MAX_LINE:
            lines.append(line)
            line = " " + word
        else:
            line += sep + word if sep else word
    lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def text_header(name: str, value: str) -> bytes:
    """An unstructured header (Subject, X-…): folded ASCII, or encoded words."""
    value = " ".join(value.split())
    words = value.split(" ") if value else [""]
    if _plain(value) and all(len(word) <= MAX_LINE - 1 - len(name) for word in words):
        return _fold(name, words)
    return _fold(name, _encoded_words(value, first=len(name) + 2))


def _phrase(name: str, display: str) -> list[str]:
    display = " ".join("".join(c if c.isprintable() else " " for c in display).split())
    if not display:
        return []
    short = MAX_LINE - 8  # a word and its line's leading space, a comma or "<"
    if _ATEXT.fullmatch(display) and "=?" not in display:
        if all(len(word) <= short for word in display.split(" ")):
            return display.split(" ")
    elif _plain(display) and len(display) <= short - 2:
        return ['"' + display.replace("\\", "\\\\").replace('"', '\\"') + '"']
    return _encoded_words(display, first=len(name) + 2)


def _addr_spec(addr: str) -> str:
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an email address: {addr!r}")
    if not _PRINTABLE_ASCII.fullmatch(local) or any(c in local for c in " <>"):
        raise ValueError(f"the address {addr!r} cannot be written in an ASCII header")
    if not domain.isascii():
        domain = domain.encode("idna").decode("ascii")
    return f"{local}@{domain}"


def address_header(name: str, addresses: Iterable[tuple[str, str]]) -> tuple[bytes, list[str]]:
    """``Name: display <addr>, …``; also the bare addresses (for the SMTP envelope)."""
    words: list[str] = []
    bare: list[str] = []
    for index, (display, addr) in enumerate(addresses):
        spec = _addr_spec(addr)
        bare.append(spec)
        phrase = _phrase(name, display)
        entry = [*phrase, f"<{spec}>"] if phrase else [spec]
        if index > 0:
            words[-1] += ","
        words.extend(entry)
    return _fold(name, words), bare


def parse_address(value: str) -> tuple[str, str]:
    """``"Name <a@b>"`` or ``a@b`` as (display name, address)."""
    display, addr = parseaddr(value)
    if not addr:
        raise ValueError(f"not an email address: {value!r}")
    return display, addr


def _param(key: str, value: str) -> str:
    if value.isascii() and _PRINTABLE_ASCII.fullmatch(value):
        return f'{key}="' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    quoted = "".join(
        chr(b) if chr(b).isalnum() or chr(b) in "!#$&+-.^_`|~" else f"%{b:02X}"
        for b in value.encode()
    )
    return f"{key}*=utf-8''{quoted}"


def _content_header(name: str, value: str, params: Sequence[tuple[str, str]]) -> bytes:
    words = [value + (";" if params else "")]
    for index, (key, param) in enumerate(params):
        words.append(_param(key, param) + (";" if index < len(params) - 1 else ""))
    return _fold(name, words)


# --- parts ---------------------------------------------------------------------------------


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def text_part(text: str, subtype: str, *, params: Sequence[tuple[str, str]] = ()) -> Part:
    """A text/``subtype`` part in UTF-8: 7bit when it is ASCII in short lines, else
    quoted-printable (binascii's, lines of at most 76 characters, soft breaks)."""
    data = _crlf(text).encode()
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    if data.isascii() and all(len(line) <= MAX_LINE for line in data.split(b"\r\n")):
        cte, body = "7bit", data
    else:
        cte, body = "quoted-printable", binascii.b2a_qp(data, istext=True)
    content_type = _content_header(
        "Content-Type", f"text/{subtype}", [*params, ("charset", "utf-8")]
    )
    return Part(headers=(content_type, f"Content-Transfer-Encoding: {cte}\r\n".encode()), body=body)


def binary_part(
    data: bytes,
    content_type: str,
    *,
    filename: str,
    disposition: str = "attachment",
    content_id: str | None = None,
    params: Sequence[tuple[str, str]] = (),
) -> Part:
    """``data`` base64'd once, 76 characters a line."""
    body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    headers = [
        _content_header("Content-Type", content_type, params),
        b"Content-Transfer-Encoding: base64\r\n",
        _content_header("Content-Disposition", disposition, [("filename", filename)]),
    ]
    if content_id is not None:
        headers.append(f"Content-ID: <{content_id}>\r\n".encode("ascii"))
    return Part(headers=tuple(headers), body=body)


def _entity(part: Part) -> bytes:
    return b"".join(part.headers) + b"\r\n" + part.body


def multipart(subtype: str, parts: Sequence[Part]) -> Part:
    """A multipart/``subtype`` of ``parts`` with a boundary found in none of them."""
    entities = [_entity(part) for part in parts]
    while True:
        boundary = "=_" + secrets.token_hex(16)
        marker = b"--" + boundary.encode()
        if not any(marker in entity for entity in entities):
            break
    body = b"".join(marker + b"\r\n" + entity + b"\r\n" for entity in entities)
    body += marker + b"--\r\n"
    header = _content_header("Content-Type", f"multipart/{subtype}", [("boundary", boundary)])
    return Part(headers=(header,), body=body)


def alternative(text: str, html: str, *, related: Part | None = None) -> Part:
    """Text and HTML bodies; ``related`` an image the HTML shows (multipart/related)."""
    html_part = text_part(html, "html")
    if related is not None:
        html_part = multipart("related", [html_part, related])
    return multipart("alternative", [text_part(text, "plain"), html_part])


def write_message(
    *,
    subject: str,
    sender: str,
    to: Sequence[tuple[str, str]],
    extra: Sequence[tuple[str, str]],
    root: Part,
) -> OutgoingEmail:
    """The whole message: ``sender`` is ``"Name <addr>"`` or an address, ``to`` (display
    name, address) pairs, ``extra`` further headers (Message-ID, Date, X-…) in order; the
    last of them may be Content-Language."""
    from_name, from_addr = parse_address(sender)
    from_header, from_bare = address_header("From", [(from_name, from_addr)])
    to_header, to_bare = address_header("To", to)
    lines = [text_header("Subject", subject), from_header, to_header]
    for name, value in extra:
        if name in ("Message-ID", "Date", "Content-Language"):  # one token each
            sep = " " if len(name) + 2 + len(value) <= MAX_LINE else "\r\n "
            lines.append(f"{name}:{sep}{value}\r\n".encode("ascii"))
        else:
            lines.append(text_header(name, value))
    lines.append(b"MIME-Version: 1.0\r\n")
    raw = b"".join(lines) + _entity(root)
    given = (
        ("Subject", " ".join(subject.split())),
        ("From", sender),
        ("To", ", ".join(f"{n} <{a}>" if n else a for n, a in to)),
        *extra,
    )
    return OutgoingEmail(
        raw=raw, sender=from_bare[0], recipients=tuple(to_bare), headers=tuple(given)
    )
