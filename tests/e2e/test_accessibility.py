"""axe-core on every page the buyer and the door staff see: no serious or critical violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect

from seatguard.common.security import Role
from tests.e2e.test_buyer_pages import context_for, hold, open_map, seat
from tests.support.live import bearer, create_event

pytestmark = pytest.mark.e2e

SERIOUS = ("serious", "critical")


def serious_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    found: list[dict[str, Any]] = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(n["target"][0] if n["target"] else "?" for n in v["nodes"][:3])
        for v in found
        if v.get("impact") in SERIOUS
    ]


@pytest.fixture
def buyer(browser: Browser) -> Iterator[BrowserContext]:
    with context_for(browser, bearer()) as context:
        yield context


@pytest.mark.parametrize(
    "path", ["/", "/?q=zzz-nothing", "/login", "/signup", "/checkout/cancel", "/nope"]
)
def test_public_pages(browser: Browser, site: str, path: str) -> None:
    with context_for(browser) as context:
        page = context.new_page()
        page.goto(f"{site}{path}")
        expect(page.locator("main")).to_be_visible()
        assert serious_violations(page) == []


def test_event_page_with_seats_selected_and_held(buyer: BrowserContext, site: str) -> None:
    event = create_event(site, name="Accessible Night")
    page = open_map(buyer, site, event["id"])
    assert serious_violations(page) == []
    hold(page, event["seats"][0]["id"])
    seat(page, event["seats"][1]["id"]).click()
    assert serious_violations(page) == []


def test_pay_page_and_result_pages(buyer: BrowserContext, site: str) -> None:
    event = create_event(site, name="Accessible Payment")
    page = open_map(buyer, site, event["id"])
    hold(page, event["seats"][0]["id"])
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/sandbox/stripe/pay/"))
    assert serious_violations(page) == []
    page.goto(f"{site}/checkout/success")
    assert serious_violations(page) == []


def test_my_tickets_and_check_in(browser: Browser, site: str) -> None:
    with context_for(browser, bearer()) as context:
        page = context.new_page()
        page.goto(f"{site}/my/tickets")
        expect(page.locator("main")).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert serious_violations(page) == []
    with context_for(browser, bearer(Role.STAFF)) as context:
        page = context.new_page()
        page.goto(f"{site}/staff/check-in")
        expect(page.locator("main")).to_be_visible()
        assert serious_violations(page) == []


def test_the_checker_finds_a_real_violation(browser: Browser, site: str) -> None:
    """The check can fail: an image without alt text and an unlabeled input are reported."""
    with context_for(browser) as context:
        page = context.new_page()
        page.goto(f"{site}/login")
        page.evaluate(
            """() => {
              const main = document.querySelector('main');
              const img = document.createElement('img'); img.src = '/static/favicon.svg';
              const input = document.createElement('input'); input.type = 'text';
              main.append(img, input);
            }"""
        )
        found = serious_violations(page)
        assert any(v.startswith("image-alt") for v in found), found
        assert any(v.startswith("label") for v in found), found


def tab_to(page: Page, selector: str, *, limit: int = 400) -> None:
    """Press Tab until the focused element matches ``selector`` (only the keyboard moves focus)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_purchase_with_the_keyboard_alone(browser: Browser, site: str) -> None:
    event = create_event(site, name="Keyboard Night")
    first = event["seats"][0]["id"]
    with context_for(browser, bearer()) as context:
        page = open_map(context, site, event["id"])
        tab_to(page, f'button.seat[data-seat-id="{first}"]')
        page.keyboard.press("Enter")
        expect(seat(page, first)).to_have_attribute("aria-pressed", "true")
        tab_to(page, "#hold")
        page.keyboard.press("Enter")
        expect(seat(page, first)).to_have_class(re.compile("seat-mine"))
        tab_to(page, "#pay")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/sandbox/stripe/pay/"))
        fields = {
            "#email": "keys@example.com",
            "#card_number": "4242424242424242",
            "#exp_month": "12",
            "#exp_year": str(datetime.now(UTC).year + 3),
            "#cvc": "123",
            "#cardholder": "Kim Keys",
        }
        for selector, value in fields.items():
            if page.locator(selector).count():
                tab_to(page, selector, limit=40)
                page.keyboard.type(value)
        page.keyboard.press("Enter")  # submits the payment form from its last field
        page.wait_for_url(re.compile(r"/checkout/success"), timeout=30_000)
        expect(page.locator("main")).to_contain_text(
            re.compile("Keyboard Night|confirmed|paid", re.I)
        )


def test_back_office_pages(browser: Browser, site: str) -> None:
    event = create_event(site, name="Accessible Back Office")
    with context_for(browser, bearer(Role.ADMIN)) as context:
        page = context.new_page()
        for path, ready in (
            ("/admin", f'tr[data-event-id="{event["id"]}"]'),
            (f"/admin/events/{event['id']}", "#heatmap svg"),
            ("/admin/orders", "#orders-count"),
            ("/admin/audit", "[data-testid=admin-audit] tbody tr"),
            ("/admin/events/new", ".preview-seat"),
        ):
            page.goto(f"{site}{path}")
            expect(page.locator(ready).first).to_be_attached()
            assert serious_violations(page) == [], path
