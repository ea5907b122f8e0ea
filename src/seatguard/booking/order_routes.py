"""Order views: the buyer's own orders, any order for admins."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from seatguard.booking import order_cancel, orders
from seatguard.common.deps import CurrentUser, NowDep, PageDep, ReaderDep, SettingsDep
from seatguard.common.errors import Forbidden
from seatguard.common.request_language import request_language
from seatguard.common.schemas import ERROR_RESPONSES
from seatguard.payments.routes import ServicesDep
from seatguard.tickets.links import sign_download_link

router = APIRouter(responses=ERROR_RESPONSES, tags=["orders"])


def download_links(settings: SettingsDep, now: NowDep) -> orders.DownloadLinks:
    """Signs each paid order's ``downloadUrl`` for views served now."""
    return lambda order_id: sign_download_link(order_id, now, settings)


LinksDep = Annotated[orders.DownloadLinks, Depends(download_links)]


def caller_language(request: Request) -> str:
    """The language the order views write the event's time in."""
    return request_language(request)


LanguageDep = Annotated[str, Depends(caller_language)]


@router.get("/booking-orders", response_model=list[orders.OrderOut])
def list_orders(
    session: ReaderDep,
    user: CurrentUser,
    page: PageDep,
    response: Response,
    links: LinksDep,
    language: LanguageDep,
) -> list[orders.OrderOut]:
    found, total = orders.list_orders(
        session,
        user_id=None if user.is_admin else user.user_id,
        offset=page.offset,
        limit=page.limit,
        links=links,
        language=language,
    )
    response.headers["X-Total-Count"] = str(total)
    return found


@router.get("/booking-orders/user/{user_id}", response_model=list[orders.OrderOut])
def list_user_orders(
    user_id: str,
    session: ReaderDep,
    user: CurrentUser,
    page: PageDep,
    response: Response,
    links: LinksDep,
    language: LanguageDep,
) -> list[orders.OrderOut]:
    if user_id != user.user_id and not user.is_admin:
        raise Forbidden("You can only list your own orders.", code="uid_mismatch")
    found, total = orders.list_orders(
        session,
        user_id=user_id,
        offset=page.offset,
        limit=page.limit,
        links=links,
        language=language,
    )
    response.headers["X-Total-Count"] = str(total)
    return found


@router.get("/booking-orders/{order_id}", response_model=orders.OrderOut)
def get_order(
    order_id: uuid.UUID,
    session: ReaderDep,
    user: CurrentUser,
    links: LinksDep,
    language: LanguageDep,
) -> orders.OrderOut:
    order = orders.load_owned_order(session, order_id, user)
    return orders.order_out(session, order, links=links, admin=user.is_admin, language=language)


@router.post("/booking-orders/{order_id}/cancel", response_model=orders.OrderOut)
def cancel_order(
    order_id: uuid.UUID,
    user: CurrentUser,
    services: ServicesDep,
    now: NowDep,
    links: LinksDep,
    language: LanguageDep,
) -> orders.OrderOut:
    """Cancel an unpaid order (gateway session first) and free its seats at once; 409 when
    it is paid or being paid. Cancelling a cancelled order answers the same."""
    order_cancel.cancel_order(
        db=services.db,
        gateway=services.gateway,
        queue=services.queue,
        order_id=order_id,
        viewer=user,
        now=now,
    )
    with services.db.reader() as session:
        order = orders.load_owned_order(session, order_id, user)
        return orders.order_out(session, order, links=links, language=language)


@router.get("/checkouts/{order_id}", response_model=orders.CheckoutSummaryOut)
def get_checkout(
    order_id: uuid.UUID, session: ReaderDep, user: CurrentUser
) -> orders.CheckoutSummaryOut:
    order = orders.load_owned_order(session, order_id, user)
    return orders.checkout_summary(order, provider="stripe")
