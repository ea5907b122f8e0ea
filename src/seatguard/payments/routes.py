"""Checkout and the gateway's webhook (also at the original's ``/sqs/messaging``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from seatguard.booking.checkout import CheckoutRequest, start_checkout
from seatguard.common.deps import CurrentUser, NowDep
from seatguard.common.emails import is_valid_email
from seatguard.common.errors import Forbidden, Invalid
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.payments.inbox import record_event
from seatguard.payments.schemas import (
    CheckoutIn,
    CheckoutOut,
    DataCheckout,
    DataCheckoutItem,
    SeatRef,
    WebhookAck,
)
from seatguard.payments.webhooks import verify_event
from seatguard.runtime import Services

router = APIRouter(responses=ERROR_RESPONSES, tags=["payments"])


def _valid_or_none(email: str | None) -> str | None:
    """A token's email claim is only used as the receipt address when it is a valid one."""
    return email if is_valid_email(email) else None


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


@router.post("/stripe/create/checkout/session", status_code=201, response_model=CheckoutOut)
def create_checkout_session(
    body: CheckoutIn, user: CurrentUser, services: ServicesDep, now: NowDep
) -> CheckoutOut:
    if body.user_id is not None and body.user_id != user.user_id:
        raise Forbidden("You can only check out for yourself.", code="uid_mismatch")
    seat_ids = body.all_seat_ids()
    if not seat_ids:
        raise Invalid("Name at least one seat.", code="no_seats")
    settings = services.settings
    result = start_checkout(
        db=services.db,
        gateway=services.gateway,
        now=now,
        request=CheckoutRequest(
            user_id=user.user_id,
            seat_ids=seat_ids,
            currency=body.currency,
            customer_email=body.customer_email or _valid_or_none(user.email),
            success_url=settings.stripe_success_url,
            cancel_url=settings.stripe_cancel_url,
        ),
        hold_for=timedelta(minutes=settings.hold_minutes),
        max_per_event=settings.max_holds_per_event,
    )
    with services.db.reader() as session:
        from seatguard.booking.orders import order_items

        items = order_items(session, result.order_id)
    return CheckoutOut(
        url=result.url,
        session_id=result.session_id,
        order_id=result.order_id,
        amount=result.amount_total,
        currency=result.currency,
        expires_at=result.hold_expires_at,
        reused=result.reused,
        data_checkout=DataCheckout(
            order_booking_id=result.order_id,
            user_id=user.user_id,
            currency=result.currency,
            items=[
                DataCheckoutItem(name=i.label, amount=i.price_minor, seat_ids=SeatRef(id=i.seat_id))
                for i in items
            ],
        ),
    )


@router.post("/stripe/webhook", response_model=WebhookAck)
@router.post("/sqs/messaging", response_model=WebhookAck, include_in_schema=False)
async def gateway_webhook(
    request: Request,
    services: ServicesDep,
    now: NowDep,
    stripe_signature: Annotated[str | None, Header()] = None,
) -> WebhookAck:
    payload = await request.body()
    event = verify_event(payload, stripe_signature, services.settings.stripe_webhook_secret)

    def record() -> tuple[bool, bool]:
        try:
            with services.db.unit_of_work() as session:
                return record_event(session, event=event, queue=services.queue, now=now)
        except IntegrityError:  # the same event arrived twice at the same moment
            return True, False

    duplicate, ignored = await run_in_threadpool(record)
    return WebhookAck(duplicate=duplicate, ignored=ignored)
