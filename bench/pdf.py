"""Ticket PDFs: CPU milliseconds per page, for documents of 1 and of 4 tickets.

Documents are rendered in this process, one after another, as a fulfilment worker renders
them: the orders of one event, each with its own ids, signed ticket codes and holder (a few
holder names, some outside ASCII). The first document after the process-wide font caches are
cleared is reported apart (``cold_ms``); the rest give the per-page figures. The QR codes of
the same tickets are encoded once more on their own to show that step's share.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.stats import Run, quantiles
from seatguard.tickets.codes import sign_ticket
from seatguard.tickets.pdf import render_tickets_pdf
from seatguard.tickets.pdf_fonts import clear_font_cache
from seatguard.tickets.pdf_output import clear_output_cache
from seatguard.tickets.qr import qr_rows
from seatguard.tickets.short_codes import new_short_code
from seatguard.tickets.views import EventView, OrderView, SeatLine, TicketView

HOLDERS = ("Ana García", "John Smith", "Łukasz Żółć", "Chloé Dubois", "Kim Nguyen")
START = datetime(2030, 3, 14, 23, 30, tzinfo=UTC)


def _order(
    event: EventView, key: Ed25519PrivateKey, n: int, tickets: int
) -> tuple[OrderView, list[TicketView]]:
    order_id = uuid.uuid4()
    issued = START - timedelta(days=30)
    views = []
    for seat in range(1, tickets + 1):
        ticket_id = uuid.uuid4()
        views.append(
            TicketView(
                id=ticket_id,
                order_id=order_id,
                seat_id=uuid.uuid4(),
                section="PLATEA",
                row=f"F{n % 40}",
                number=str(seat + n % 30),
                price_minor=15000,
                currency="usd",
                code=sign_ticket(
                    ticket_id=ticket_id,
                    event_id=event.id,
                    seat_label=f"PLATEA F{n % 40}-{seat}",
                    private_key=key,
                ),
                short_code=new_short_code(),
                issued_at=issued,
                checked_in_at=None,
            )
        )
    holder = HOLDERS[n % len(HOLDERS)]
    order = OrderView(
        id=order_id,
        user_id=f"buyer-{n}",
        status="COMPLETED",
        currency="usd",
        amount_total=15000 * tickets,
        holder_name=holder,
        holder_email=f"buyer{n}@example.com",
        created_at=issued,
        completed_at=issued,
        event=event,
        seats=tuple(
            SeatLine(seat_id=t.seat_id, section=t.section, row=t.row, number=t.number, amount=15000)
            for t in views
        ),
    )
    return order, views


def pdf_cost(*, tickets: int, documents: int) -> Run:
    """Render ``documents`` documents of ``tickets`` tickets; CPU ms per page and per step."""
    key = Ed25519PrivateKey.generate()
    event = EventView(
        id=uuid.uuid4(),
        name="Noche Electrónica",
        artist="Señor Coconut",
        venue="Estadio Único, La Plata",
        starts_at=START,
        timezone="America/Argentina/Buenos_Aires",
    )
    orders = [_order(event, key, n, tickets) for n in range(documents + 1)]
    clear_font_cache()
    clear_output_cache()
    began = time.process_time()
    render_tickets_pdf(order=orders[0][0], tickets=orders[0][1])
    cold_ms = (time.process_time() - began) * 1000
    per_page: list[float] = []
    sizes: list[int] = []
    wall = time.perf_counter()
    total = time.process_time()
    for order, views in orders[1:]:
        began = time.process_time()
        pdf = render_tickets_pdf(order=order, tickets=views)
        per_page.append((time.process_time() - began) * 1000 / tickets)
        sizes.append(len(pdf))
    cpu_s = time.process_time() - total
    elapsed = time.perf_counter() - wall
    began = time.process_time()
    for _, views in orders[1:]:
        for ticket in views:
            qr_rows(ticket.code)
    qr_ms = (time.process_time() - began) * 1000 / (documents * tickets)
    p50, p95, p99 = quantiles(per_page)
    mean = sum(per_page) / len(per_page)
    return Run(
        scenario="pdf",
        db="-",
        workers=1,
        connections=0,
        requests=documents,
        elapsed_s=round(elapsed, 3),
        throughput=documents * tickets / cpu_s if cpu_s else 0.0,
        unit="pages/CPU-s",
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        statuses={"ok": documents},
        oversold=0,
        rss_mb=0.0,
        extra={
            "tickets_per_document": tickets,
            "cpu_ms_per_page": round(mean, 2),
            "cpu_ms_per_document": round(mean * tickets, 2),
            "qr_cpu_ms_per_page": round(qr_ms, 2),
            "cold_document_cpu_ms": round(cold_ms, 1),
            "bytes_per_document": round(sum(sizes) / len(sizes)),
        },
    )
