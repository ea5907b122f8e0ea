"""Order emails through a real SMTP server, loaded from real databases."""

from __future__ import annotations

import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.notify import sent_record
from seatguard.notify.backends import DeliveryFailed, FileOutboxBackend, Mailer, SmtpBackend
from seatguard.notify.email import EmailKind
from seatguard.notify.sent_record import EmailInProgress
from seatguard.notify.service import send_order_email
from seatguard.tickets.codes import verify_code
from tests.support.smtp import SmtpServer
from tests.support.tickets import make_paid_order

KEY = Ed25519PrivateKey.generate()
SENDER = "SeatGuard <tickets@seatguard.test>"


def smtp(server: SmtpServer) -> SmtpBackend:
    return SmtpBackend(server.host, server.port, security="none", timeout=5)


def send(
    db: Database, mailer: Mailer, order_id: uuid.UUID, kind: EmailKind, clock: FrozenClock
) -> bool:
    return send_order_email(
        db=db, mailer=mailer, order_id=order_id, kind=kind, sender=SENDER, clock=clock
    )


def test_confirmation_arrives_with_pdf_calendar_and_both_bodies(db, clock, smtp_server):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=2)
    assert send(db, smtp(smtp_server), paid.order_id, "confirmation", clock) is True

    [received] = smtp_server.received
    assert received.rcpt_tos == ["ana@example.com"]
    msg = received.message
    assert "Noche Electrónica" in msg["Subject"]
    assert msg.get_body(preferencelist=("plain",)) is not None
    assert "Ana Peña" in msg.get_body(preferencelist=("html",)).get_content()
    parts = {p.get_content_type(): p for p in msg.iter_attachments()}
    assert set(parts) == {"application/pdf", "text/calendar"}
    assert parts["application/pdf"].get_content().startswith(b"%PDF")
    assert "BEGIN:VEVENT" in parts["text/calendar"].get_content()
    codes = set(paid.codes.values())
    assert all(verify_code(c, KEY.public_key()) for c in codes)


def test_smtp_down_raises_and_a_retry_succeeds(db, clock, smtp_server):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1, status="REFUNDED")
    mailer = smtp(smtp_server)
    smtp_server.stop()
    with pytest.raises(DeliveryFailed):
        send(db, mailer, paid.order_id, "refund", clock)
    smtp_server.start()
    assert send(db, mailer, paid.order_id, "refund", clock) is True
    [received] = smtp_server.received
    assert "Refund" in received.message["Subject"]


def test_a_second_delivery_sends_nothing(db, clock, smtp_server):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1, status="EXPIRED")
    mailer = smtp(smtp_server)
    assert send(db, mailer, paid.order_id, "expiry", clock) is True
    assert send(db, mailer, paid.order_id, "expiry", clock) is False
    assert len(smtp_server.received) == 1


def test_a_crash_before_the_stamp_resends_the_same_message(db, clock, smtp_server, monkeypatch):
    paid = make_paid_order(db, now=clock(), private_key=KEY, seats=1, status="EXPIRED")
    mailer = smtp(smtp_server)

    def die(*_a: object, **_kw: object) -> None:
        raise SystemExit("killed after the mailer took the message")

    with monkeypatch.context() as m:
        m.setattr(sent_record, "mark_sent", die)
        with pytest.raises(SystemExit):
            send(db, mailer, paid.order_id, "expiry", clock)
    with pytest.raises(EmailInProgress):  # the claim is fresh: the job is retried later
        send(db, mailer, paid.order_id, "expiry", clock)
    clock.advance(seconds=sent_record.CLAIM_TIMEOUT.total_seconds() + 1)
    assert send(db, mailer, paid.order_id, "expiry", clock) is True
    assert send(db, mailer, paid.order_id, "expiry", clock) is False
    first, second = smtp_server.received  # the one duplicate left, and it is the same message
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_emails_that_no_longer_apply_are_not_sent(db, clock, tmp_path):
    outbox = FileOutboxBackend(tmp_path)
    refunded = make_paid_order(db, now=clock(), private_key=KEY, seats=1, status="REFUNDED")
    no_email = make_paid_order(db, now=clock(), private_key=KEY, seats=1, email=None)
    assert send(db, outbox, refunded.order_id, "confirmation", clock) is False
    assert send(db, outbox, no_email.order_id, "confirmation", clock) is False
    assert list(tmp_path.iterdir()) == []
    completed = make_paid_order(db, now=clock(), private_key=KEY, seats=1)
    assert send(db, outbox, completed.order_id, "confirmation", clock) is True
    assert [p.suffix for p in tmp_path.iterdir()] == [".eml"]
