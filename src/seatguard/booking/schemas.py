"""Booking wire shapes (camelCase, the original's field names kept)."""

from __future__ import annotations

import unicodedata
import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, StringConstraints, field_validator, model_validator

from seatguard.booking.domain import Genre, SeatStatus
from seatguard.common.schemas import CamelModel

MAX_SEATS_PER_EVENT = 100_000


def printable(text: str, *, multiline: bool = False) -> str:
    """Refuse control characters (and line breaks in a one-line field): a name goes into
    email headers, PDFs and ticket codes, where they break or forge what is rendered."""
    allowed = {"\n", "\t"} if multiline else set()
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp"):
            raise ValueError(f"must not contain the control character U+{ord(ch):04X}")
    return text


def _multiline(text: str) -> str:
    return printable(text, multiline=True)


Line = AfterValidator(printable)
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Line]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_lower=True)]


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _check_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {value!r}") from exc
    return value


class GapIn(CamelModel):
    """Empty positions inside a row: an aisle, or seats the venue does not have."""

    after: int = Field(ge=1, le=1999, description="The gap comes after this many seats")
    width: int = Field(default=1, ge=1, le=50, description="Empty seat positions")
    skip_numbers: bool = Field(
        default=False,
        description="The numbering skips the empty positions (true: 4, gap, 6) or "
        "continues after them (false: 4, gap, 5)",
    )


class RowIn(CamelModel):
    row: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10), Line]
    seats: int = Field(ge=1, le=2000, description="How many seats the row has")
    first_number: int = Field(default=1, ge=0, le=100_000)
    gaps: list[GapIn] = Field(default_factory=list, max_length=200)
    accessible: list[int] = Field(
        default_factory=list,
        max_length=2000,
        description="Wheelchair spaces: positions in the row, 1 being its first seat",
    )

    @model_validator(mode="after")
    def _marks_are_inside(self) -> RowIn:
        afters = [g.after for g in self.gaps]
        if len(set(afters)) != len(afters) or any(a >= self.seats for a in afters):
            raise ValueError(f"row {self.row}: each gap comes after a different seat of the row")
        places = self.accessible
        if len(set(places)) != len(places) or any(not 1 <= p <= self.seats for p in places):
            raise ValueError(f"row {self.row}: wheelchair spaces are positions 1 to {self.seats}")
        return self

    def layout(self) -> list[tuple[str, int, bool]]:
        """Each seat's number, the empty positions before it and whether it is a wheelchair
        space, from the left of the row."""
        gaps = {g.after: g for g in self.gaps}
        accessible = set(self.accessible)
        seats: list[tuple[str, int, bool]] = []
        number = self.first_number
        for index in range(self.seats):
            gap = gaps.get(index)
            if gap is not None and gap.skip_numbers:
                number += gap.width
            seats.append((str(number), gap.width if gap else 0, index + 1 in accessible))
            number += 1
        return seats


class SectionIn(CamelModel):
    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40), Line
    ]
    price_minor: int = Field(ge=0, le=100_000_000, description="Price in minor units (cents)")
    rows: list[RowIn] = Field(min_length=1, max_length=500)


class EventIn(CamelModel):
    name: Name
    artist: Annotated[str, Line] = Field(default="", max_length=200)
    description: Annotated[str, AfterValidator(_multiline)] = Field(default="", max_length=5000)
    location: Name
    gender: Genre
    poster_url: str = Field(default="", max_length=500)
    date: datetime
    timezone: str = "UTC"
    currency: Currency = "usd"
    sections: list[SectionIn] = Field(min_length=1, max_length=50)
    status: Literal["DRAFT", "ON_SALE"] = Field(
        default="ON_SALE", description="DRAFT keeps the event from buyers until it is published"
    )
    sales_start_at: datetime | None = Field(
        default=None, description="Holds and checkouts from this instant (none: at once)"
    )
    sales_end_at: datetime | None = Field(
        default=None, description="…and until this one, by the event's start (none: the start)"
    )

    _zone = field_validator("timezone")(_check_zone)
    _date = field_validator("date")(_aware)
    _window = field_validator("sales_start_at", "sales_end_at")(
        lambda v: v if v is None else _aware(v)
    )

    @model_validator(mode="after")
    def _layout_is_sane(self) -> EventIn:
        total = sum(r.seats for s in self.sections for r in s.rows)
        if total > MAX_SEATS_PER_EVENT:
            raise ValueError(f"at most {MAX_SEATS_PER_EVENT} seats per event")
        names = [s.name for s in self.sections]
        if len(set(names)) != len(names):
            raise ValueError("section names must be unique")
        for section in self.sections:
            rows = [r.row for r in section.rows]
            if len(set(rows)) != len(rows):
                raise ValueError(f"row names must be unique within section {section.name}")
        return self


class EventPatch(CamelModel):
    name: Name | None = None
    artist: Annotated[str, Line] | None = Field(default=None, max_length=200)
    description: Annotated[str, AfterValidator(_multiline)] | None = Field(
        default=None, max_length=5000
    )
    location: Name | None = None
    gender: Genre | None = None
    poster_url: str | None = Field(default=None, max_length=500)
    date: datetime | None = None
    timezone: str | None = None
    sales_start_at: datetime | None = Field(default=None, description="null: sales open at once")
    sales_end_at: datetime | None = Field(default=None, description="null: sales end at the start")

    _zone = field_validator("timezone")(lambda v: v if v is None else _check_zone(v))
    _date = field_validator("date", "sales_start_at", "sales_end_at")(
        lambda v: v if v is None else _aware(v)
    )


class SeatOut(CamelModel):
    id: uuid.UUID
    event_id: uuid.UUID
    section: str
    row: str
    number: str = Field(description="Seat label as the original showed it, e.g. A1")
    price: float = Field(description="Price in major units")
    price_minor: int
    status: SeatStatus
    held_until: datetime | None = None
    accessible: bool = Field(
        default=False,
        exclude_if=lambda v: not v,
        description="A wheelchair space (present only when true)",
    )
    gap_before: int = Field(
        default=0,
        exclude_if=lambda v: not v,
        description="Empty positions (an aisle, missing seats) before this seat in its row "
        "(present only when some)",
    )


class MySeatOut(CamelModel):
    """One of the caller's seats in an event: held (with its expiry) or bought."""

    seat_id: uuid.UUID
    status: SeatStatus
    held_until: datetime | None = None
    held_by_me: bool = Field(description="A hold of the caller's that is still running")
    bought_by_me: bool = Field(description="Sold to the caller")


class EventOut(CamelModel):
    id: uuid.UUID
    name: str
    artist: str
    description: str
    location: str
    date: datetime
    timezone: str
    poster_url: str
    gender: str
    currency: str
    status: str = Field(description="DRAFT, ON_SALE, SALES_CLOSED or CANCELLED")
    sales_start_at: datetime | None = None
    sales_end_at: datetime | None = None
    on_sale: bool = Field(description="Whether seats can be held and bought right now")
    seats_total: int
    seats_available: int
    availability: str


class EventDetailOut(EventOut):
    seats: list[SeatOut]


class HoldOut(CamelModel):
    seat_id: uuid.UUID | None = None
    seat_ids: list[uuid.UUID]
    status: SeatStatus = SeatStatus.LOCKED
    expires_at: datetime
    message: str = "Seats held"


class HoldIn(CamelModel):
    seat_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)


class SeatStatusIn(CamelModel):
    status: SeatStatus
