"""The leanest honest fulfilment worker, for the flash sale's drain to be measured beside.

``python -m bench.lean_drain --threads 2`` (PostgreSQL only) takes the webhook's
``payment.checkout_completed`` jobs from the same ``jobs`` table as ``seatguard worker`` and
does the same work for each paid order, with no framework between it and the database:

- claims up to four due jobs with one ``UPDATE … FOR UPDATE SKIP LOCKED … RETURNING``;
- asks the gateway for the checkout session (one GET with a kept ``httpx`` connection, no
  Stripe SDK) and checks it is paid, in full, in the order's currency;
- in one transaction (plain psycopg, statements prepared by the driver): locks the order, reads
  its event (``FOR SHARE``) and seats, sells the seats with the same conditional ``UPDATE``
  (each still held for the order, or free), completes the order, inserts the signed tickets in
  one statement, and announces the sale on the live map's channel;
- renders the same PDF and builds the same email with the product's own functions (they are
  the work being measured, not plumbing), in the buyer's language, from the rows the sale read
  (nothing read again), and writes it to the outbox folder as ``seatguard worker`` does;
- acknowledges the job.

What it leaves out, on purpose, is what makes ``seatguard worker`` safe to run for real: the
email is not a job of its own (a crash after the sale sends it again on redelivery instead of
once), there is no sent-once record, no heartbeat, no retry with backoff, no dead-letter queue,
no refund path (an order that cannot be sold is left for ``seatguard worker``), and a session
that is not paid is acknowledged and dropped. It is a floor to measure against, not a worker.
"""

from __future__ import annotations

import argparse
import json
import threading
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.rows import namedtuple_row

from seatguard.booking import live
from seatguard.notify.backends import FileOutboxBackend
from seatguard.notify.email import build_confirmation_email
from seatguard.payments.factory import gateway_api_base
from seatguard.settings import get_settings
from seatguard.tickets.codes import sign_ticket
from seatguard.tickets.pdf import render_tickets_pdf
from seatguard.tickets.poster import load_poster
from seatguard.tickets.short_codes import new_short_code
from seatguard.tickets.views import (
    EventView,
    OrderView,
    SeatLine,
    TicketView,
    seat_label,
    seat_order,
)

LEASE = timedelta(seconds=30)

CLAIM = """
UPDATE jobs SET attempts = attempts + 1, visible_at = %(lease)s, locked_until = %(lease)s
WHERE id IN (
    SELECT id FROM jobs
    WHERE queue = 'default' AND NOT dead AND done_at IS NULL AND visible_at <= %(now)s
      AND attempts < max_attempts AND payload LIKE '{"type":"payment.checkout_completed"%%'
    ORDER BY visible_at LIMIT 4 FOR UPDATE SKIP LOCKED)
RETURNING id, payload
"""
ACK = "UPDATE jobs SET done_at = %s, locked_until = NULL WHERE id = %s"
ORDER = """
SELECT o.status, o.user_id, o.amount_total, o.currency, o.customer_email, o.customer_name,
       o.created_at, e.id AS event_id, e.name, e.artist, e.location, e.starts_at, e.timezone,
       e.poster_url, e.status AS event_status,
       (SELECT u.language FROM users u WHERE u.id = o.user_id) AS language
FROM orders o JOIN events e ON e.id = o.event_id
WHERE o.id = %s
FOR UPDATE OF o FOR SHARE OF e
"""
SEATS = """
SELECT s.id, s.section, s.row, s.number, i.amount
FROM seats s JOIN order_items i ON i.seat_id = s.id
WHERE i.order_id = %s AND i.refund_id IS NULL
"""
SELL = """
UPDATE seats SET status = 'SOLD', held_by = %(user)s, held_until = NULL, order_id = %(order)s,
       version = version + 1, updated_at = %(now)s
WHERE id = ANY(%(ids)s)
  AND ((status = 'LOCKED' AND order_id = %(order)s) OR status = 'AVAILABLE'
       OR (status = 'LOCKED' AND held_until <= %(now)s))
RETURNING id
"""
COMPLETE = """
UPDATE orders SET status = 'COMPLETED', status_reason = NULL, completed_at = %(now)s,
       updated_at = %(now)s, payment_intent_id = %(intent)s, customer_email = %(email)s,
       customer_name = %(name)s
WHERE id = %(order)s
"""
TICKETS = """
INSERT INTO tickets (id, order_id, seat_id, code, short_code, issued_at)
SELECT * FROM unnest(%s::uuid[], %s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::timestamp[])
"""


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC)


class LeanWorker:
    def __init__(self) -> None:
        settings = get_settings()
        self.settings = settings
        self.dsn = settings.database_url.replace("postgresql+psycopg://", "postgresql://")
        self.api = (gateway_api_base(settings) or "https://api.stripe.com").rstrip("/")
        self.key = settings.stripe_secret_key
        from seatguard.tickets.keys import load_ticket_keys

        self.ticket_key = load_ticket_keys(settings).private_key
        self.mailer = FileOutboxBackend(Path(settings.email_outbox_dir))

    def run(self, stop: threading.Event) -> None:
        with (
            psycopg.connect(self.dsn, row_factory=namedtuple_row) as conn,
            httpx.Client(headers={"Authorization": f"Bearer {self.key}"}) as gateway,
        ):
            while not stop.is_set():
                now = datetime.now(UTC)
                with conn.transaction():
                    jobs = conn.execute(CLAIM, {"now": _naive(now), "lease": _naive(now + LEASE)})
                    claimed: list[Any] = jobs.fetchall()
                if not claimed:
                    stop.wait(0.2)
                    continue
                for job in claimed:
                    try:
                        self.fulfil(conn, gateway, json.loads(job.payload)["session_id"])
                    except Exception:  # left unacknowledged: delivered again after its lease
                        traceback.print_exc()
                        continue
                    with conn.transaction():
                        conn.execute(ACK, (_naive(datetime.now(UTC)), job.id))

    def fulfil(self, conn: psycopg.Connection[Any], gateway: httpx.Client, session: str) -> None:
        answer = gateway.get(f"{self.api}/v1/checkout/sessions/{session}")
        answer.raise_for_status()
        checkout = answer.json()
        if checkout["status"] != "complete" or checkout["payment_status"] != "paid":
            return
        order_id = uuid.UUID(checkout["metadata"]["order_id"])
        now = datetime.now(UTC)
        with conn.transaction():
            order = conn.execute(ORDER, (order_id,)).fetchone()
            if order is None or order.status not in ("PENDING", "EXPIRED", "FAILED"):
                return  # done already, or cancelled (``seatguard worker`` refunds those)
            if (
                checkout["amount_total"] != order.amount_total
                or (checkout["currency"] or "").lower() != order.currency
                or order.event_status not in ("ON_SALE", "SALES_CLOSED")
                or _aware(order.starts_at) <= now
            ):
                return  # refunds are ``seatguard worker``'s
            seats = conn.execute(SEATS, (order_id,)).fetchall()
            ids = [s.id for s in seats]
            sold = conn.execute(
                SELL, {"user": order.user_id, "order": order_id, "now": _naive(now), "ids": ids}
            ).fetchall()
            if len(sold) != len(ids):
                raise RuntimeError(f"order {order_id}: seats taken")
            details = checkout.get("customer_details") or {}
            email = details.get("email") or checkout.get("customer_email") or order.customer_email
            name = details.get("name") or order.customer_name
            conn.execute(
                COMPLETE,
                {
                    "now": _naive(now),
                    "intent": checkout.get("payment_intent"),
                    "email": email,
                    "name": name,
                    "order": order_id,
                },
            )
            tickets = []
            for seat in seats:
                ticket_id = uuid.uuid4()
                code = sign_ticket(
                    ticket_id=ticket_id,
                    event_id=order.event_id,
                    seat_label=seat_label(seat.section, seat.row, seat.number),
                    private_key=self.ticket_key,
                )
                tickets.append(
                    TicketView(
                        id=ticket_id,
                        order_id=order_id,
                        seat_id=seat.id,
                        section=seat.section,
                        row=seat.row,
                        number=seat.number,
                        price_minor=seat.amount,
                        currency=order.currency,
                        code=code,
                        short_code=new_short_code(),
                        issued_at=now,
                        checked_in_at=None,
                    )
                )
            conn.execute(
                TICKETS,
                (
                    [t.id for t in tickets],
                    [order_id] * len(tickets),
                    [t.seat_id for t in tickets],
                    [t.code for t in tickets],
                    [t.short_code for t in tickets],
                    [_naive(now)] * len(tickets),
                ),
            )
            for payload in live.encode(live.sold(order.event_id, ids), None):
                conn.execute("SELECT pg_notify(%s, %s)", (live.CHANNEL, payload))
        self.email(order_id, order, seats, tickets, email, name, now)

    def email(
        self,
        order_id: uuid.UUID,
        order: Any,
        seats: list[Any],
        tickets: list[TicketView],
        email: str | None,
        name: str | None,
        now: datetime,
    ) -> None:
        view = OrderView(
            id=order_id,
            user_id=order.user_id,
            status="COMPLETED",
            currency=order.currency,
            amount_total=order.amount_total,
            holder_name=name or email or "",
            holder_email=email,
            created_at=_aware(order.created_at),
            completed_at=now,
            event=EventView(
                id=order.event_id,
                name=order.name,
                artist=order.artist,
                venue=order.location,
                starts_at=_aware(order.starts_at),
                timezone=order.timezone,
                poster_url=order.poster_url,
            ),
            seats=tuple(
                sorted(
                    (
                        SeatLine(
                            seat_id=s.id,
                            section=s.section,
                            row=s.row,
                            number=s.number,
                            amount=s.amount,
                        )
                        for s in seats
                    ),
                    key=lambda s: seat_order(s.section, s.row, s.number),
                )
            ),
        )
        tickets.sort(key=lambda t: seat_order(t.section, t.row, t.number))
        poster = load_poster(order.poster_url, self.settings)
        language = order.language or None
        pdf = render_tickets_pdf(order=view, tickets=tickets, language=language, poster=poster)
        message = build_confirmation_email(
            order=view,
            tickets=tickets,
            pdf=pdf,
            sender=self.settings.email_from,
            sent_at=now,
            language=language,
            poster=poster,
        )
        self.mailer.send(message)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    worker = LeanWorker()
    stop = threading.Event()
    threads = [
        threading.Thread(target=worker.run, args=(stop,), daemon=True) for _ in range(args.threads)
    ]
    for t in threads:
        t.start()
    try:
        for t in threads:
            t.join()
    except KeyboardInterrupt:
        stop.set()


if __name__ == "__main__":
    main()
