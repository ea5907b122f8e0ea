"""Gaps and wheelchair spaces in a real browser: laid out in the editor, seen in its preview,
then on the buyer's map with an accessible name (and axe still content)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Browser, expect

from seatguard.common.security import Role
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_buyer_pages import context_for, hold, open_map
from tests.support.live import bearer

pytestmark = pytest.mark.e2e


def test_a_row_with_a_gap_and_wheelchair_spaces_from_the_editor_to_the_buyer(
    browser: Browser, site: str
) -> None:
    with context_for(browser, bearer(Role.ADMIN)) as admin:
        page = admin.new_page()
        page.goto(f"{site}/admin/events/new")
        page.get_by_label("Name", exact=True).fill("Aisle Night")
        page.get_by_label("Venue and city").fill("Teatro Gran Rex, Buenos Aires")
        page.get_by_label("Starts at (the venue's local time)").fill("2031-06-20T21:00")
        rows = page.locator(".section-editor").first.locator("tbody tr")
        expect(rows).to_have_count(2)
        row_a, row_b = rows.nth(0), rows.nth(1)
        row_a.locator(".row-seats").fill("6")
        row_a.get_by_label("Gaps in row A: after which seats (3, or 3x2 for two places)").fill(
            "3x2"
        )
        row_a.get_by_label("Wheelchair spaces in row A: seat positions (1, 2)").fill("1, 6")
        row_b.locator(".row-seats").fill("4")
        row_b.locator(".row-gaps").fill("2")
        row_b.get_by_label("Numbers in row B skip the gaps").check()

        preview = page.get_by_test_id("preview")
        expect(preview.locator(".preview-seat")).to_have_count(10)
        expect(preview.locator(".preview-gap")).to_have_count(3)
        accessible = preview.locator(".preview-seat.accessible")
        expect(accessible).to_have_count(2)
        expect(accessible.first).to_have_attribute("title", "A1 — wheelchair space")
        expect(accessible.last).to_have_attribute("title", "A6 — wheelchair space")
        expect(preview.locator(".preview-seat").last).to_have_attribute("title", "B5")
        assert serious_violations(page) == []

        row_b.locator(".row-gaps").fill("9")  # after the row's last seat: refused here first
        page.get_by_role("button", name="Create and open sales").click()
        expect(page.locator("#editor-errors")).to_contain_text("Row B: gaps go after a seat")
        row_b.locator(".row-gaps").fill("2")
        page.get_by_role("button", name="Create and open sales").click()
        page.wait_for_url(re.compile(r"/admin/events/[0-9a-f-]{36}$"))
        event_id = page.url.rsplit("/", 1)[1]

    seats = httpx.get(f"{site}/api/v1/events/{event_id}/seats").json()
    assert [(s["number"], s.get("accessible", False), s.get("gapBefore", 0)) for s in seats] == [
        ("A1", True, 0),
        ("A2", False, 0),
        ("A3", False, 0),
        ("A4", False, 2),
        ("A5", False, 0),
        ("A6", True, 0),
        ("B1", False, 0),
        ("B2", False, 0),
        ("B4", False, 1),
        ("B5", False, 0),
    ]
    a1 = seats[0]["id"]

    with context_for(browser, bearer()) as buyer:
        page = open_map(buyer, site, event_id)
        wheelchair = page.get_by_role("button", name=re.compile(r"^Seat A1, wheelchair space, "))
        expect(wheelchair).to_have_attribute("data-seat-id", a1)
        expect(wheelchair).to_contain_text("♿")
        expect(
            page.get_by_role("button", name=re.compile(r"^Seat A6, wheelchair space, "))
        ).to_be_visible()
        expect(page.get_by_role("button", name=re.compile(r"^Seat A2, Platea, "))).to_be_visible()
        row_a = page.get_by_role("group", name="Platea row A")
        expect(row_a.locator(".seat-gap")).to_have_count(2)
        order = row_a.locator("button.seat, .seat-gap").evaluate_all(
            "nodes => nodes.map(n => n.matches('.seat-gap') ? '_' : n.lastChild.textContent.trim())"
        )
        assert order == ["A1", "A2", "A3", "_", "_", "A4", "A5", "A6"]
        assert serious_violations(page) == []
        hold(page, a1)
        expect(wheelchair).to_have_attribute(
            "aria-label", re.compile("wheelchair space.*held for you")
        )
        assert serious_violations(page) == []


def test_a_big_events_section_draws_its_gaps_and_wheelchair_spaces(
    browser: Browser, site: str
) -> None:
    body = {
        "name": "Big Aisle Night",
        "location": "Estadio Test, Buenos Aires",
        "gender": "ROCK",
        "date": "2031-07-01T23:00:00+00:00",
        "sections": [
            {
                "name": "Campo",
                "priceMinor": 3000,
                "rows": [
                    {"row": "A", "seats": 8, "gaps": [{"after": 4, "width": 3}], "accessible": [2]},
                    {"row": "B", "seats": 1995},
                ],
            }
        ],
    }
    created = httpx.post(f"{site}/api/v1/events", json=body, headers=bearer(Role.ADMIN), timeout=30)
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    with context_for(browser, bearer()) as buyer:
        page = buyer.new_page()
        page.goto(f"{site}/events/{event_id}")
        expect(page.locator("#seatmap-app")).to_have_attribute("data-map", "ready")
        page.get_by_role("button", name=re.compile("Campo")).click()
        row_a = page.get_by_role("group", name="Campo row A")
        order = row_a.locator("button.seat, .seat-gap").evaluate_all(
            "nodes => nodes.map(n => n.matches('.seat-gap') ? '_' : n.lastChild.textContent.trim())"
        )
        assert order == ["A1", "A2", "A3", "A4", "_", "_", "_", "A5", "A6", "A7", "A8"]
        wheelchair = row_a.get_by_role("button", name=re.compile(r"^Seat A2, wheelchair space, "))
        expect(wheelchair).to_contain_text("♿")
        expect(row_a.locator("button[data-accessible]")).to_have_count(1)


def test_a_duplicated_event_keeps_its_gaps_and_wheelchair_spaces(
    browser: Browser, site: str
) -> None:
    body = {
        "name": "Tour Night",
        "location": "Teatro Test, Rosario",
        "gender": "POP",
        "date": "2031-08-01T23:00:00+00:00",
        "sections": [
            {
                "name": "Platea",
                "priceMinor": 4000,
                "rows": [
                    {"row": "A", "seats": 5, "gaps": [{"after": 2, "width": 2}], "accessible": [5]},
                    {
                        "row": "B",
                        "seats": 4,
                        "firstNumber": 3,
                        "gaps": [{"after": 1, "skipNumbers": True}],
                    },
                ],
            }
        ],
    }
    created = httpx.post(f"{site}/api/v1/events", json=body, headers=bearer(Role.ADMIN), timeout=30)
    assert created.status_code == 201, created.text
    with context_for(browser, bearer(Role.ADMIN)) as admin:
        page = admin.new_page()
        page.goto(f"{site}/admin/events/new?from={created.json()['id']}")
        expect(page.locator("#editor-summary")).to_contain_text("Copied from Tour Night")
        rows = page.locator(".section-editor").first.locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(0).locator(".row-gaps")).to_have_value("2x2")
        expect(rows.nth(0).locator(".row-accessible")).to_have_value("5")
        expect(rows.nth(0).locator(".row-skip")).not_to_be_checked()
        expect(rows.nth(1).locator(".row-first")).to_have_value("3")
        expect(rows.nth(1).locator(".row-gaps")).to_have_value("1")
        expect(rows.nth(1).locator(".row-skip")).to_be_checked()
        titles = (
            page.get_by_test_id("preview")
            .locator(".preview-seat")
            .evaluate_all("nodes => nodes.map(n => n.title)")
        )
        assert titles == [
            "A1", "A2", "A3", "A4", "A5 — wheelchair space", "B3", "B5", "B6", "B7"
        ]  # fmt: skip
        expect(page.get_by_test_id("preview").locator(".preview-gap")).to_have_count(3)
