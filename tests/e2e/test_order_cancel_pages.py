"""Cancelling an unpaid order from the buyer's pages frees its seats for everyone at once."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_buyer_pages import context_for, open_map, seat
from tests.support.live import bearer, create_event

pytestmark = pytest.mark.e2e


def hold_two_and_open_payment(page: Page, seat_ids: list[str]) -> None:
    for seat_id in seat_ids:
        seat(page, seat_id).click()
    page.get_by_role("button", name="Hold selected seats").click()
    for seat_id in seat_ids:
        expect(seat(page, seat_id)).to_have_class(re.compile("seat-mine"))
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/sandbox/stripe/pay/"))


def test_cancel_and_return_frees_the_seats_on_another_map_within_a_second(
    browser: Browser, site: str
) -> None:
    event = create_event(site, name="Cancel And Return Night")
    wanted = [event["seats"][0]["id"], event["seats"][1]["id"]]
    with context_for(browser, bearer()) as buyer, context_for(browser, bearer()) as other:
        page = open_map(buyer, site, event["id"])
        watching = open_map(other, site, event["id"])
        hold_two_and_open_payment(page, wanted)
        for seat_id in wanted:
            expect(seat(watching, seat_id)).to_have_class(re.compile("seat-locked"))

        page.get_by_role("link", name="Cancel and return").click()
        page.wait_for_url(re.compile(r"/checkout/cancel\?order_id="))
        expect(page.get_by_test_id("cancelled")).to_have_attribute("data-status", "CANCELLED")
        cancelled_at = time.monotonic()
        for seat_id in wanted:
            expect(seat(watching, seat_id)).to_have_class(
                re.compile("seat-available"), timeout=1_000
            )
        assert time.monotonic() - cancelled_at < 1.5  # both within the second, measured
        expect(page.get_by_text("Your order was cancelled")).to_be_visible()
        assert watching.evaluate("performance.getEntriesByType('navigation').length") == 1


def test_release_all_after_leaving_the_payment_cancels_the_order(
    browser: Browser, site: str
) -> None:
    event = create_event(site, name="Release All Night")
    wanted = [event["seats"][2]["id"], event["seats"][3]["id"]]
    with context_for(browser, bearer()) as buyer, context_for(browser, bearer()) as other:
        page = open_map(buyer, site, event["id"])
        hold_two_and_open_payment(page, wanted)
        page.go_back()
        expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on")
        watching = open_map(other, site, event["id"])
        page.get_by_role("button", name="Release all").click()
        expect(page.get_by_test_id("messages")).to_contain_text("Order cancelled")
        expect(page.get_by_test_id("alerts")).to_have_text("")
        for seat_id in wanted:
            expect(seat(page, seat_id)).to_have_class(re.compile("seat-available"))
            expect(seat(watching, seat_id)).to_have_class(
                re.compile("seat-available"), timeout=1_000
            )


def test_my_tickets_offers_to_cancel_an_order_awaiting_payment(browser: Browser, site: str) -> None:
    event = create_event(site, name="My Tickets Cancel Night")
    headers = bearer()
    seat_id = event["seats"][4]["id"]
    started = httpx.post(
        f"{site}/api/v1/stripe/create/checkout/session",
        json={"items": [{"seatIds": [seat_id]}]},
        headers=headers,
        timeout=30,
    )
    assert started.status_code == 201, started.text
    order_id = started.json()["orderId"]
    with context_for(browser, headers) as buyer:
        page = buyer.new_page()
        page.goto(f"{site}/my/tickets")
        card = page.locator(f'article.order[data-order-id="{order_id}"]')
        expect(card).to_have_attribute("data-status", "PENDING")
        card.get_by_role("button", name=re.compile("^Cancel the order")).click()
        expect(page.locator(f'article.order[data-order-id="{order_id}"]')).to_have_attribute(
            "data-status", "CANCELLED"
        )
        expect(page.locator("#tickets-status")).to_contain_text("was cancelled")
    seats = httpx.get(f"{site}/api/v1/events/{event['id']}/seats", timeout=30).json()
    assert {s["id"]: s["status"] for s in seats}[seat_id] == "AVAILABLE"
