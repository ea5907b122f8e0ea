"""The organizer in a real browser: a sale lands on the dashboard, exports, search and audit."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from seatguard.common.security import Role
from tests.e2e.test_buyer_pages import context_for, hold, open_map, pay_with
from tests.support.live import bearer, create_event

pytestmark = pytest.mark.e2e


def test_a_sale_shows_on_the_dashboard_and_in_the_exports(
    browser: Browser, site: str, tmp_path: Path
) -> None:
    event = create_event(site, name="Dashboard Night")
    with context_for(browser, bearer(Role.ADMIN, user_id="organizer-1")) as admin:
        board = admin.new_page()
        board.goto(f"{site}/admin/events/{event['id']}")
        expect(board.locator("#dash-title")).to_have_text("Dashboard Night")
        expect(board.locator("#fig-sold")).to_have_text("0")
        expect(board.locator("#fig-free")).to_have_text("6")

        with context_for(browser, bearer()) as buyer:
            page = open_map(buyer, site, event["id"])
            hold(page, event["seats"][0]["id"])
            pay_with(page, "4242 4242 4242 4242")
            page.wait_for_url(re.compile(r"/checkout/success\?order_id="))
            expect(page.get_by_test_id("result")).to_have_attribute("data-status", "COMPLETED")

        # the open dashboard refreshes by itself
        expect(board.locator("#fig-sold")).to_have_text("1", timeout=15_000)
        expect(board.locator("#fig-revenue")).to_contain_text("125")
        expect(board.locator("#heatmap svg")).to_have_attribute("data-sold", "1")
        expect(board.locator("#chart-sections svg rect.bar")).to_have_count(1)

        with board.expect_download() as info:
            board.get_by_role("button", name="Attendees (CSV)").click()
        exported = tmp_path / "attendees.csv"
        info.value.save_as(exported)
        rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
        assert [(r["section"], r["row"], r["seat"], r["status"]) for r in rows] == [
            ("VIP", "A", "1", "COMPLETED")
        ]
        assert rows[0]["email"] == "buyer@example.com"

        orders = admin.new_page()
        orders.goto(f"{site}/admin/orders")
        orders.get_by_label("Email, name or reference").fill("buyer@example.com")
        orders.get_by_role("button", name="Search").click()
        expect(orders.locator("[data-testid=admin-orders] tbody tr").first).to_contain_text(
            "Dashboard Night"
        )

        audit = admin.new_page()
        audit.goto(f"{site}/admin/audit")
        expect(audit.locator("[data-testid=admin-audit] tbody")).to_contain_text("data.exported")
        expect(audit.locator("[data-testid=admin-audit] tbody")).to_contain_text("organizer-1")

        listing = admin.new_page()
        listing.goto(f"{site}/admin")
        row = listing.locator(f'tr[data-event-id="{event["id"]}"]')
        expect(row).to_contain_text("Dashboard Night")
        row.get_by_role("link", name="Dashboard Night").click()
        expect(listing).to_have_url(re.compile(rf"/admin/events/{event['id']}$"))


def test_a_customer_is_told_the_back_office_is_for_admins(browser: Browser, site: str) -> None:
    with context_for(browser, bearer()) as customer:
        page = customer.new_page()
        page.goto(f"{site}/admin")
        expect(page.locator("#admin-status")).to_have_text(
            "This page is for admins. Ask an admin for access."
        )
        expect(page.locator("#admin-events tbody tr")).to_have_count(0)
