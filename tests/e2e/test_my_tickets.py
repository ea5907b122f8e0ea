"""My tickets in Chromium: each order names its venue, its time in the event's zone, its
reference and its seats (also while awaiting payment), in English and in Spanish."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, expect

from seatguard.common.security import Role
from tests.e2e.test_door import DoorSite, context_for, door_site
from tests.support.live import bearer

pytestmark = pytest.mark.e2e
__all__ = ["door_site"]

CASES = [
    # locale, the zone's name, the buyer's own time, reference label, awaiting payment, money
    ("en-US", "(Argentina Time)", "Your time:", "Order reference:", "Awaiting payment", "$15.00"),
    (
        "es-AR",
        "(hora de Argentina)",
        "Tu hora:",
        "Referencia del pedido:",
        "Esperando el pago",
        "US$\u00a015,00",
    ),
]


def order_card(page_orders: Locator, order_id: object) -> Locator:
    return page_orders.locator(f'[data-order-id="{order_id}"]')


@pytest.mark.parametrize(("locale", "zone", "own", "label", "awaiting", "price"), CASES)
def test_orders_show_venue_local_time_reference_and_seats(
    browser: Browser,
    door_site: DoorSite,
    locale: str,
    zone: str,
    own: str,
    label: str,
    awaiting: str,
    price: str,
) -> None:
    buyer = f"orders-{locale}"
    paid = door_site.paid_order(seats=1, user_id=buyer)
    pending = door_site.paid_order(seats=2, user_id=buyer, status="PENDING")
    with context_for(
        browser, bearer(Role.CUSTOMER, buyer), locale=locale, timezone_id="Europe/Madrid"
    ) as context:
        page = context.new_page()
        page.goto(f"{door_site.base}/my/tickets")
        orders = page.get_by_test_id("orders")
        for order_id in (paid.order_id, pending.order_id):
            card = order_card(orders, order_id)
            expect(card.get_by_test_id("order-venue")).to_have_text("Test Hall, Buenos Aires")
            expect(card.get_by_test_id("order-time")).to_contain_text(zone)
            expect(card.get_by_test_id("order-time")).to_have_attribute(
                "data-zone", "America/Argentina/Buenos_Aires"
            )
            expect(card.get_by_test_id("own-time")).to_contain_text(own)
            expect(card.get_by_test_id("order-reference")).to_have_text(order_id.hex[:8].upper())
            expect(card).to_contain_text(label)
        waiting = order_card(orders, pending.order_id)
        expect(waiting).to_contain_text(awaiting)
        seats = waiting.get_by_test_id("order-seats").locator("li")
        expect(seats).to_have_count(2)
        expect(seats.first).to_contain_text(re.compile(r"GENERAL G\d"))
        expect(seats.first).to_contain_text(price)
        expect(order_card(orders, paid.order_id).get_by_test_id("short-code")).to_have_count(1)
