"""Every seat the API accepts gets a ticket code: labels are cut to whole characters."""

from __future__ import annotations

import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from seatguard.booking.schemas import RowIn, SectionIn
from seatguard.tickets.codes import (
    ELLIPSIS,
    MAX_CODE_CHARS,
    MAX_SEAT_LABEL_BYTES,
    sign_ticket,
    verify_code,
)
from seatguard.tickets.views import seat_label

KEY = Ed25519PrivateKey.generate()
text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1)


@given(
    section=text.filter(lambda t: t.strip()).map(lambda t: t[:40]),
    row=text.filter(lambda t: t.strip()).map(lambda t: t[:10]),
    number=st.integers(0, 102_000),
)
def test_any_seat_the_api_accepts_signs_and_verifies(section, row, number):
    # what the API would store (the schemas strip and bound the names)
    section = SectionIn(name=section, price_minor=1, rows=[RowIn(row=row, seats=1)]).name
    row = RowIn(row=row, seats=1).row
    label = seat_label(section, row, str(number))
    ticket, event = uuid.uuid4(), uuid.uuid4()
    code = sign_ticket(ticket_id=ticket, event_id=event, seat_label=label, private_key=KEY)
    assert len(code) <= MAX_CODE_CHARS
    claims = verify_code(code, KEY.public_key())
    assert (claims.ticket_id, claims.event_id) == (ticket, event)
    assert len(claims.seat_label.encode()) <= MAX_SEAT_LABEL_BYTES
    shown = claims.seat_label
    if shown != label.strip():
        assert shown.endswith(ELLIPSIS)
        assert label.startswith(shown.removesuffix(ELLIPSIS))


def test_the_reported_balcony_label_fits():
    label = seat_label("Балкон второго яруса, правая сторона", "Ложа", "12")
    code = sign_ticket(
        ticket_id=uuid.uuid4(), event_id=uuid.uuid4(), seat_label=label, private_key=KEY
    )
    assert verify_code(code, KEY.public_key()).seat_label.startswith("Балкон второго яруса")
