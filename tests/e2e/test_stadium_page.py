"""A 100,000-seat event in a real browser: sections to open, one at a time, measured."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from seatguard.common.security import Role
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_buyer_pages import context_for, hold, seat
from tests.support.live import bearer
from tests.support.stadium import stadium_body

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def stadium(site: str) -> dict[str, Any]:
    """A 100,000-seat event made through the API: its id and a few of its seats."""
    body = stadium_body(name="Stadium Night")
    created = httpx.post(
        f"{site}/api/v1/events", json=body, headers=bearer(Role.ADMIN), timeout=300
    )
    assert created.status_code == 201, created.text[:300]
    event = created.json()
    assert event["seatsTotal"] == 100_000
    by_section: dict[str, list[dict[str, Any]]] = {}
    for s in event["seats"]:
        by_section.setdefault(s["section"], []).append(s)
    return {"id": event["id"], "sections": by_section}


@pytest.fixture
def buyer(browser: Browser) -> Iterator[BrowserContext]:
    with context_for(browser, bearer()) as context:
        yield context


def open_stadium(context: BrowserContext, site: str, event_id: str) -> Page:
    page = context.new_page()
    page.goto(f"{site}/events/{event_id}")
    expect(page.locator("#seatmap-app")).to_have_attribute("data-map", "ready", timeout=60_000)
    expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on", timeout=30_000)
    return page


def test_time_to_interactive_and_memory(browser: Browser, site: str, stadium) -> None:
    with context_for(browser, bearer()) as context:
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        started = time.perf_counter()
        page.goto(f"{site}/events/{stadium['id']}")
        app = page.locator("#seatmap-app")
        expect(app).to_have_attribute("data-map", "ready", timeout=60_000)
        expect(app).to_have_attribute("data-live", "on", timeout=30_000)
        interactive = time.perf_counter() - started
        page.get_by_role("button", name=re.compile("Tribuna C")).click()
        expect(page.locator("#zoom-rows button.seat")).to_have_count(10_000, timeout=30_000)
        opened = time.perf_counter() - started - interactive
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        heap_mb = metrics["JSHeapUsedSize"] / 1e6
        nodes = int(metrics["Nodes"])
        print(
            f"\n100,000-seat event page: interactive {interactive:.2f} s, "
            f"a 10,000-seat section drawn in {opened:.2f} s, JS heap {heap_mb:.1f} MB, "
            f"{nodes} DOM nodes"
        )
        assert page.locator("button.seat").count() == 10_000  # never the whole stadium
        assert interactive < 15
        assert heap_mb < 300


def test_open_a_section_hold_a_seat_watch_it_live_and_go_back(
    buyer: BrowserContext, browser: Browser, site: str, stadium
) -> None:
    page = open_stadium(buyer, site, stadium["id"])
    overview = page.get_by_test_id("overview")
    pick_b = page.get_by_role("button", name=re.compile("Tribuna B"))
    expect(pick_b).to_contain_text("10,000")
    assert page.locator("button.seat").count() == 0
    assert serious_violations(page) == []

    pick_b.click()
    expect(overview).to_be_hidden()
    expect(page.locator("#zoom-title")).to_have_text("Tribuna B")
    first, other = stadium["sections"]["Tribuna B"][0], stadium["sections"]["Tribuna B"][5]
    hold(page, first["id"])
    expect(page.locator("#held-list")).to_contain_text("Tribuna B")
    assert serious_violations(page) == []

    # someone else holds a seat of the section: seen live, and the overview counts it
    taken = httpx.post(
        f"{site}/api/v1/seats/lock",
        json={"seatIds": [other["id"]]},
        headers=bearer(),
        timeout=30,
    )
    assert taken.status_code == 200, taken.text
    expect(seat(page, other["id"])).to_have_class(re.compile("seat-locked"))

    page.get_by_role("button", name=re.compile("All sections")).click()
    expect(overview).to_be_visible()
    expect(pick_b).to_be_focused()
    expect(pick_b).to_contain_text("9,998")
    assert page.locator("button.seat").count() == 0
    expect(page.locator("#held-list")).to_contain_text("Tribuna B")  # the basket stays

    # the keyboard alone: into a section and back
    page.keyboard.press("Enter")
    expect(page.locator("#zoom-title")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#zoom-rows button.seat").first).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#back-to-sections")).to_be_focused()
    page.keyboard.press("Enter")
    expect(pick_b).to_be_focused()
