"""An organizer keeps a concert as a draft, publishes it, and closes sales, in a real browser."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from seatguard.common.security import Role
from tests.e2e.test_buyer_pages import context_for, hold, open_map
from tests.support.live import bearer

pytestmark = pytest.mark.e2e


def test_a_draft_is_hidden_until_published_then_sells(browser: Browser, site: str) -> None:
    with context_for(browser, bearer(Role.ADMIN)) as admin:
        page = admin.new_page()
        page.goto(f"{site}/admin/events/new")
        page.get_by_label("Name", exact=True).fill("Draft Night")
        page.get_by_label("Venue and city").fill("Niceto Club, Buenos Aires")
        page.get_by_label("Starts at (the venue's local time)").fill("2031-06-20T21:00")
        page.get_by_label("Time zone of the venue").fill("America/Argentina/Buenos_Aires")
        page.get_by_label(re.compile("^Sales close")).fill("2031-06-20T18:00")
        section = page.locator(".section-editor").first
        section.locator(".sec-name").fill("Campo")
        section.locator(".sec-price").fill("30")
        page.get_by_role("button", name="Save as a draft (hidden from buyers)").click()
        page.wait_for_url(re.compile(r"/admin/events/[0-9a-f-]{36}$"))
        event_id = page.url.rsplit("/", 1)[1]
        expect(page.get_by_test_id("sales-status")).to_have_text("Draft")
        expect(page.locator("#sales-end")).to_have_value("2031-06-20T18:00")

        # the buyer finds nothing: not in the list, not at its address, not in the API
        with context_for(browser, bearer()) as buyer:
            home = buyer.new_page()
            home.goto(f"{site}/?q=Draft+Night")
            expect(home.locator("main")).not_to_contain_text("Draft Night")
            missing = home.goto(f"{site}/events/{event_id}")
            assert missing is not None
            assert missing.status == 404
        assert httpx.get(f"{site}/api/v1/events/{event_id}").status_code == 404

        page.get_by_role("button", name="Publish (open to buyers)").click()
        expect(page.get_by_test_id("sales-status")).to_have_text("On sale")
        expect(page.get_by_role("button", name="Close sales")).to_be_visible()

    detail = httpx.get(f"{site}/api/v1/events/{event_id}").json()
    assert detail["salesEndAt"].startswith("2031-06-20T21:00:00")  # 18:00 in Buenos Aires
    seat_id = detail["seats"][0]["id"]
    with (
        context_for(browser, bearer()) as buyer,
        context_for(browser, bearer(Role.ADMIN)) as admin,
    ):
        page = open_map(buyer, site, event_id)
        hold(page, seat_id)
        note = page.get_by_test_id("sales-note")
        expect(note).to_be_hidden()

        board = admin.new_page()
        board.goto(f"{site}/admin/events/{event_id}")
        board.get_by_role("button", name="Close sales").click()
        expect(board.get_by_test_id("sales-status")).to_have_text("Sales closed")
        expect(board.get_by_role("button", name="Reopen sales")).to_be_visible()

        # the page the buyer still has open says so by itself, and stops offering holds
        expect(note).to_have_text("Sales closed.", timeout=10_000)
        expect(page.get_by_test_id("messages")).to_have_text("Sales closed.")
        other = detail["seats"][1]["id"]
        page.locator(f'button.seat[data-seat-id="{other}"]').click()
        expect(page.get_by_role("button", name="Hold selected seats")).to_be_disabled()

        board.get_by_role("button", name="Reopen sales").click()
        expect(board.get_by_test_id("sales-status")).to_have_text("On sale")
        expect(note).to_be_hidden(timeout=10_000)
        expect(page.get_by_test_id("messages")).to_have_text(
            "Sales are open: you can hold seats now."
        )
        expect(page.get_by_role("button", name="Hold selected seats")).to_be_enabled()
        board.get_by_role("button", name="Close sales").click()
        expect(board.get_by_test_id("sales-status")).to_have_text("Sales closed")

    with context_for(browser, bearer()) as buyer:
        page = buyer.new_page()
        page.goto(f"{site}/events/{event_id}")
        expect(page.get_by_test_id("sales-note")).to_have_text("Sales closed.")
        other = detail["seats"][1]["id"]
        page.locator(f'button.seat[data-seat-id="{other}"]').click()
        expect(page.get_by_role("button", name="Hold selected seats")).to_be_disabled()
