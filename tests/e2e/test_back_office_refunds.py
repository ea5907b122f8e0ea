"""The organizer refunds one seat from the order page and cancels the event, in Chromium."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from seatguard.common.security import Role
from tests.e2e.test_buyer_pages import context_for, open_map, pay_with, seat
from tests.support.live import bearer, create_event

pytestmark = pytest.mark.e2e


def outbox_kinds(base: Path) -> list[str]:
    kinds = []
    for path in base.glob("site*/outbox/*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        kinds.append(f"{message['X-SeatGuard-Kind']}:{message['X-SeatGuard-Order']}")
    return kinds


def test_an_admin_refunds_one_seat_and_cancels_the_event(
    browser: Browser, site: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    event = create_event(site, name="Refund Night")
    first, second = event["seats"][0]["id"], event["seats"][1]["id"]
    with context_for(browser, bearer()) as buyer:
        page = open_map(buyer, site, event["id"])
        seat(page, first).click()
        seat(page, second).click()
        page.get_by_role("button", name="Hold selected seats").click()
        expect(seat(page, second)).to_have_class(re.compile("seat-mine"))
        pay_with(page, "4242 4242 4242 4242")
        page.wait_for_url(re.compile(r"/checkout/success\?order_id="))
        expect(page.get_by_test_id("result")).to_have_attribute("data-status", "COMPLETED")
    admin_headers = bearer(Role.ADMIN, user_id="organizer-2")
    [order] = httpx.get(
        f"{site}/api/v1/admin/orders", params={"eventId": event["id"]}, headers=admin_headers
    ).json()

    with context_for(browser, admin_headers) as admin:
        orders = admin.new_page()
        orders.goto(f"{site}/admin/orders?eventId={event['id']}")
        orders.get_by_role("link", name=order["reference"]).click()
        orders.wait_for_url(re.compile(rf"/admin/orders/{order['id']}$"))
        items = orders.get_by_test_id("order-items")
        expect(items.locator("tbody tr")).to_have_count(2)
        items.locator(f'tr[data-seat-id="{second}"] input[type=checkbox]').check()
        orders.get_by_role("button", name="Refund chosen seats").click()
        dialog = orders.locator("#confirm-dialog")
        expect(dialog).to_contain_text("Refund $125.00 for VIP A2")
        dialog.get_by_role("button", name="Confirm").click()
        expect(orders.locator("#order-state")).to_contain_text("Refunded $125.00")
        expect(orders.locator("#o-refunded")).to_have_text("$125.00")
        expect(items.locator(f'tr[data-seat-id="{second}"]')).to_have_attribute(
            "data-refunded", "true"
        )
        expect(items.locator(f'tr[data-seat-id="{second}"]')).to_contain_text("void")
        expect(orders.locator("#o-status")).to_contain_text(re.compile("Paid|Completed"))

        # the seat is on sale again, on the buyers' map
        with context_for(browser, bearer()) as other:
            page = open_map(other, site, event["id"])
            expect(seat(page, second)).to_be_enabled()
            expect(seat(page, first)).to_be_disabled()

        # the void ticket is refused at the door; the other one still admits
        detail = httpx.get(f"{site}/api/v1/admin/orders/{order['id']}", headers=admin_headers)
        codes = {t["seatId"]: t["shortCode"] for t in detail.json()["tickets"]}
        door = bearer(Role.STAFF)
        void = httpx.post(
            f"{site}/api/v1/tickets/check-in", json={"code": codes[second]}, headers=door
        )
        assert (void.status_code, void.json()["error"]) == (409, "ticket_refunded")
        valid = httpx.post(
            f"{site}/api/v1/tickets/check-in", json={"code": codes[first]}, headers=door
        )
        assert valid.status_code == 200, valid.text

        # the buyer is emailed (the file outbox)
        deadline = time.monotonic() + 20
        wanted = f"partial_refund:{order['id']}"
        while wanted not in outbox_kinds(tmp_path_factory.getbasetemp()):
            assert time.monotonic() < deadline, "no partial refund email"
            time.sleep(0.2)

        # cancelling the event says how many paid orders it refunds
        board = admin.new_page()
        board.goto(f"{site}/admin/events/{event['id']}")
        board.get_by_role("button", name="Cancel the event").click()
        dialog = board.locator("#confirm-dialog")
        expect(dialog).to_contain_text("1 paid orders will be refunded")
        dialog.get_by_role("button", name="Confirm").click()
        expect(board.locator("#cancel-state")).to_contain_text("The event is cancelled")
    assert httpx.get(f"{site}/api/v1/events/{event['id']}").json()["status"] == "CANCELLED"
