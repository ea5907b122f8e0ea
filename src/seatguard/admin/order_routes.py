"""Back-office actions on one order, and what the cancel-event dialog shows. Admins only."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header
from pydantic import Field
from sqlalchemy import func, select

from seatguard.admin import audit, order_actions
from seatguard.admin.order_detail import OrderDetailOut
from seatguard.admin.order_detail import order_detail as detail_of
from seatguard.booking import orders
from seatguard.booking.cancellation import AFFECTED
from seatguard.booking.catalogue import load_event
from seatguard.booking.domain import OrderStatus
from seatguard.booking.models import Order
from seatguard.common.deps import AdminUser, NowDep, ReaderDep
from seatguard.common.schemas import ERROR_RESPONSES, CamelModel
from seatguard.payments.routes import ServicesDep

router = APIRouter(responses=ERROR_RESPONSES, tags=["orders"])


class RefundIn(CamelModel):
    seat_ids: list[uuid.UUID] | None = Field(
        default=None, min_length=1, max_length=500, description="Only these seats; all if absent"
    )
    reason: str = Field(default="", max_length=200)


class ResendOut(CamelModel):
    order_id: uuid.UUID
    email: str = Field(description="The sent-record key of this resend")


class CancellationPreviewOut(CamelModel):
    event_id: uuid.UUID
    paid_orders: int = Field(description="Paid orders the cancellation refunds")
    open_orders: int = Field(description="Checkouts in progress it ends")


@router.post("/booking-orders/{order_id}/refund", response_model=orders.OrderOut)
def refund_order(
    order_id: uuid.UUID,
    services: ServicesDep,
    now: NowDep,
    admin: AdminUser,
    body: RefundIn | None = None,
    idempotency_key: Annotated[str | None, Header(max_length=100)] = None,
) -> orders.OrderOut:
    """Give back the money of the whole order or of chosen seats: their tickets void, their
    seats on sale again, the buyer emailed. The same ``Idempotency-Key`` answers the same;
    seats refunded already get 409. A gateway outage leaves the refund recorded and retried."""
    body = body or RefundIn()
    order_actions.refund(
        db=services.db,
        gateway=services.gateway,
        queue=services.queue,
        request=order_actions.RefundRequest(
            order_id=order_id,
            seat_ids=tuple(body.seat_ids) if body.seat_ids is not None else None,
            key=idempotency_key,
            reason=body.reason,
            actor=audit.Actor.of(admin),
        ),
        now=now,
    )
    with services.db.reader() as session:
        order = orders.load_owned_order(session, order_id, admin)
        return orders.order_out(session, order, admin=True)


@router.post("/booking-orders/{order_id}/resend", response_model=ResendOut, status_code=202)
def resend_confirmation(
    order_id: uuid.UUID, services: ServicesDep, now: NowDep, admin: AdminUser
) -> ResendOut:
    """Send the confirmation email (with the tickets) once more."""
    record = order_actions.resend_confirmation(
        db=services.db,
        queue=services.queue,
        order_id=order_id,
        actor=audit.Actor.of(admin),
        now=now,
    )
    return ResendOut(order_id=order_id, email=record)


@router.get("/admin/orders/{order_id}", response_model=OrderDetailOut, tags=["admin"])
def order_detail(order_id: uuid.UUID, session: ReaderDep, _admin: AdminUser) -> OrderDetailOut:
    """One order: items, payment (gateway ids, refunds, disputes), tickets and their check-in
    state, the emails sent."""
    return detail_of(session, order_id)


@router.get(
    "/admin/events/{event_id}/cancellation",
    response_model=CancellationPreviewOut,
    tags=["admin"],
)
def cancellation_preview(
    event_id: uuid.UUID, session: ReaderDep, _admin: AdminUser
) -> CancellationPreviewOut:
    """What cancelling the event would do: how many paid orders it refunds."""
    load_event(session, event_id)
    counts = dict(
        session.execute(
            select(Order.status, func.count())
            .where(Order.event_id == event_id, Order.status.in_(AFFECTED))
            .group_by(Order.status)
        ).all()
    )
    return CancellationPreviewOut(
        event_id=event_id,
        paid_orders=counts.get(OrderStatus.COMPLETED.value, 0),
        open_orders=counts.get(OrderStatus.PENDING.value, 0),
    )
