"""The organizer in a real browser: a sale lands on the dashboard, exports, search and audit."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
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


def test_an_admin_lays_out_a_three_section_event_and_a_buyer_buys_in_it(
    browser: Browser, site: str
) -> None:
    with context_for(browser, bearer(Role.ADMIN)) as admin:
        page = admin.new_page()
        page.goto(f"{site}/admin/events/new")
        page.get_by_label("Name", exact=True).fill("Editor Night")
        page.get_by_label("Artist").fill("Lali")
        page.get_by_label("Venue and city").fill("Teatro Ópera, Buenos Aires")
        page.get_by_label("Starts at (the venue's local time)").fill("2031-05-20T21:00")
        page.get_by_label("Time zone of the venue").fill("America/Argentina/Buenos_Aires")
        page.get_by_role("button", name="Add a section").click()
        page.get_by_role("button", name="Add a section").click()
        editors = page.locator(".section-editor")
        expect(editors).to_have_count(3)
        for index, (name, price) in enumerate(
            (("Platea", "80"), ("Pullman", "50"), ("Palco", "120"))
        ):
            editors.nth(index).locator(".sec-name").fill(name)
            editors.nth(index).locator(".sec-price").fill(price)
        editors.nth(2).get_by_role("button", name=re.compile("^Remove row 2")).click()
        editors.nth(2).locator(".row-seats").first.fill("4")
        expect(page.locator("#editor-summary")).to_have_text("44 seats in 3 sections.")
        expect(page.get_by_test_id("preview").locator(".preview-seat")).to_have_count(44)
        page.get_by_role("button", name="Create and open sales").click()
        page.wait_for_url(re.compile(r"/admin/events/[0-9a-f-]{36}$"))
        event_id = page.url.rsplit("/", 1)[1]
        expect(page.locator("#fig-free")).to_have_text("44")

    detail = httpx.get(f"{site}/api/v1/events/{event_id}").json()
    assert detail["date"].startswith("2031-05-21T00:00:00")  # 21:00 in Buenos Aires (UTC-3)
    prices = {s["section"]: s["priceMinor"] for s in detail["seats"]}
    assert prices == {"Platea": 8000, "Pullman": 5000, "Palco": 12000}
    palco = sorted(s["id"] for s in detail["seats"] if s["section"] == "Palco")
    assert len(palco) == 4

    with context_for(browser, bearer()) as buyer:
        page = open_map(buyer, site, event_id)
        hold(page, palco[0])
        pay_with(page, "4242 4242 4242 4242")
        page.wait_for_url(re.compile(r"/checkout/success\?order_id="))
        expect(page.get_by_test_id("result")).to_have_attribute("data-status", "COMPLETED")
    order = httpx.get(
        f"{site}/api/v1/admin/orders", params={"eventId": event_id}, headers=bearer(Role.ADMIN)
    ).json()
    assert [(o["status"], o["amount"]) for o in order] == [("COMPLETED", 12000)]


def test_the_editor_refuses_a_layout_the_api_would_refuse(browser: Browser, site: str) -> None:
    with context_for(browser, bearer(Role.ADMIN)) as admin:
        page = admin.new_page()
        page.goto(f"{site}/admin/events/new")
        page.get_by_role("button", name="Add a section").click()
        page.locator(".section-editor").nth(1).locator(".sec-name").fill("Platea")
        page.get_by_role("button", name="Create and open sales").click()
        expect(page.locator("#editor-errors")).to_contain_text("Name, venue and start time")
        expect(page.locator("#editor-errors")).to_contain_text("Section names must differ")
        assert "/admin/events/new" in page.url
