"""The buyer's journey in a real browser: live seat maps, holds, paying, tickets, check-in."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from seatguard.common.security import Role
from tests.support.live import bearer, create_event, server_env
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

pytestmark = pytest.mark.e2e

PASSWORD = "Correct-Horse-Battery-9"


def context_for(
    browser: Browser, headers: dict[str, str] | None = None, **kw: Any
) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1100, "height": 900}, **kw)
    context.set_default_timeout(15_000)
    if headers:
        token = headers["Authorization"].removeprefix("Bearer ")
        context.add_init_script(f"localStorage.setItem('seatguard.token', {json.dumps(token)})")
    return context


def open_map(context: BrowserContext, base: str, event_id: str) -> Page:
    page = context.new_page()
    page.goto(f"{base}/events/{event_id}")
    expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on")
    return page


def seat(page: Page, seat_id: str) -> Locator:
    return page.locator(f'button.seat[data-seat-id="{seat_id}"]')


def hold(page: Page, seat_id: str) -> None:
    seat(page, seat_id).click()
    expect(seat(page, seat_id)).to_have_attribute("aria-pressed", "true")
    page.get_by_role("button", name="Hold selected seats").click()
    expect(seat(page, seat_id)).to_have_class(re.compile("seat-mine"))
    expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"1[45]:\d\d"))


def pay_with(page: Page, card: str) -> None:
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/sandbox/stripe/pay/"))
    email = page.locator("#email")
    if email.count():
        email.fill("buyer@example.com")
    page.fill("#card_number", card)
    page.fill("#exp_month", "12")
    page.fill("#exp_year", str(datetime.now(UTC).year + 3))
    page.fill("#cvc", "123")
    page.fill("#cardholder", "Ada Buyer")
    page.get_by_role("button", name=re.compile("^Pay")).click()


def test_full_purchase_from_sign_up_to_check_in(
    browser: Browser, site: str, shoot: Any, tmp_path: Path
) -> None:
    email = f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    with context_for(browser, accept_downloads=True) as context:
        page = context.new_page()
        page.goto(site)
        expect(page.locator(".event-card").first).to_be_visible()
        shoot(page, "01-events")
        page.get_by_label("Concert, artist, venue or city").fill("rio")  # finds "Río"
        page.get_by_role("button", name="Search").click()
        expect(page.locator(".event-card h2 a").first).to_contain_text("Río")

        page.goto(f"{site}/signup?next=/")
        page.get_by_label("Name", exact=True).fill("Ada Buyer")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.wait_for_url(f"{site}/")
        expect(page.get_by_test_id("who")).to_have_text("Signed in as Ada Buyer")

        page.get_by_role("button", name="Log out").click()
        page.goto(f"{site}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_test_id("who")).to_have_text("Signed in as Ada Buyer")

        page.goto(f"{site}/?q=Rock+en+el")  # a seeded concert with the demo's three sections
        page.locator(".event-card h2 a").first.click()
        expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on")
        free = page.locator('button.seat[data-status="AVAILABLE"]').first
        seat_id = free.get_attribute("data-seat-id")
        assert seat_id
        hold(page, seat_id)
        shoot(page, "02-seat-map-with-hold")

        pay_with_shot(page, shoot)
        page.wait_for_url(re.compile(r"/checkout/success\?order_id="))
        expect(page.get_by_test_id("result")).to_have_attribute("data-status", "COMPLETED")
        expect(page.get_by_role("status")).to_contain_text("Payment confirmed")
        shoot(page, "04-success")

        page.get_by_role("link", name="See and download your tickets").click()
        order = page.locator("article.order").first
        expect(order).to_have_attribute("data-status", "COMPLETED")
        expect(order.locator(".tickets li")).to_have_count(1)
        shoot(page, "05-my-tickets")
        with page.expect_download() as info:
            order.get_by_role("button", name=re.compile("Download the tickets")).click()
        pdf = tmp_path / "tickets.pdf"
        info.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")

        token = page.evaluate("localStorage.getItem('seatguard.token')")
        tickets = httpx.get(
            f"{site}/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}
        ).json()
        code = tickets[0]["code"]

    with context_for(browser, bearer(Role.STAFF)) as staff:
        page = staff.new_page()
        page.goto(f"{site}/staff/check-in")
        page.get_by_label("Ticket code").fill(code)
        page.get_by_role("button", name="Check in").click()
        result = page.get_by_test_id("checkin-result")
        expect(result).to_have_attribute("data-result", "ok")
        expect(result).to_contain_text("Admit: Ada Buyer")
        shoot(page, "06-check-in")
        page.get_by_role("button", name="Check in").click()
        expect(result).to_have_attribute("data-result", "used")


def pay_with_shot(page: Page, shoot: Any) -> None:
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(r"/sandbox/stripe/pay/"))
    page.fill("#card_number", "4242 4242 4242 4242")
    page.fill("#exp_month", "12")
    page.fill("#exp_year", str(datetime.now(UTC).year + 3))
    page.fill("#cvc", "123")
    page.fill("#cardholder", "Ada Buyer")
    shoot(page, "03-payment")
    page.get_by_role("button", name=re.compile("^Pay")).click()


def test_a_hold_shows_up_on_another_buyers_map_without_reloading(
    browser: Browser, site: str
) -> None:
    event = create_event(site, name="Two Buyers Night")
    target = event["seats"][0]["id"]
    with context_for(browser, bearer()) as first, context_for(browser, bearer()) as second:
        mine, theirs = open_map(first, site, event["id"]), open_map(second, site, event["id"])
        expect(seat(theirs, target)).to_have_class(re.compile("seat-available"), timeout=15_000)
        hold(mine, target)
        expect(seat(theirs, target)).to_have_class(re.compile("seat-locked"))
        expect(seat(theirs, target)).to_have_attribute("aria-disabled", "true")
        assert theirs.evaluate("performance.getEntriesByType('navigation').length") == 1

        mine.get_by_role("button", name=re.compile("^Release seat")).click()
        expect(seat(theirs, target)).to_have_class(re.compile("seat-available"), timeout=15_000)


def test_a_seat_taken_while_choosing_is_named(browser: Browser, site: str) -> None:
    event = create_event(site, name="Taken While Choosing")
    live_seat, quiet_seat = event["seats"][1]["id"], event["seats"][2]["id"]
    with context_for(browser, bearer()) as context:
        page = open_map(context, site, event["id"])
        seat(page, live_seat).click()
        r = httpx.post(f"{site}/api/v1/seats/lock", json={"seatIds": [live_seat]}, headers=bearer())
        assert r.status_code == 200
        expect(page.get_by_test_id("alerts")).to_contain_text("Seat VIP A2 was just taken")
        expect(seat(page, live_seat)).to_have_attribute("aria-pressed", "false")
        expect(seat(page, live_seat)).to_have_class(re.compile("seat-locked"))

    # without the live feed, the hold itself answers 409 and the page says which seat it was
    with context_for(browser, bearer()) as context:
        context.route(re.compile(r".*/seats/stream$"), lambda route: route.abort())
        page = context.new_page()
        page.goto(f"{site}/events/{event['id']}")
        seat(page, quiet_seat).click()
        r = httpx.post(
            f"{site}/api/v1/seats/lock", json={"seatIds": [quiet_seat]}, headers=bearer()
        )
        assert r.status_code == 200
        page.get_by_role("button", name="Hold selected seats").click()
        expect(page.get_by_test_id("alerts")).to_contain_text("Seat VIP A3 was just taken")
        expect(seat(page, quiet_seat)).to_have_class(re.compile("seat-locked"))


def test_a_declined_card_is_shown_with_its_reason(browser: Browser, site: str) -> None:
    event = create_event(site, name="Declined Card Night")
    with context_for(browser, bearer()) as context:
        page = open_map(context, site, event["id"])
        hold(page, event["seats"][0]["id"])
        pay_with(page, "4000 0000 0000 0002")
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Your card was declined")
        expect(alert).to_contain_text("generic_decline")  # Stripe's decline code
        assert "/sandbox/stripe/pay/" in page.url


def test_the_pay_page_names_the_event_the_seats_and_the_holds_countdown(
    browser: Browser, site: str
) -> None:
    event = create_event(site, name="Pay Page Night")
    with context_for(browser, bearer(), locale="en-US") as context:
        page = open_map(context, site, event["id"])
        hold(page, event["seats"][0]["id"])
        hold(page, event["seats"][1]["id"])
        page.get_by_role("button", name="Pay", exact=True).click()
        page.wait_for_url(re.compile(r"/sandbox/stripe/pay/"))
        expect(page.get_by_test_id("event")).to_have_text("Pay Page Night")
        expect(page.get_by_test_id("seats").locator("li")).to_have_count(2)
        left = page.locator("#hold-left")
        expect(left).to_have_text(re.compile(r"^1[45]:\d\d$"))
        first = left.inner_text()
        expect(left).not_to_have_text(first)  # it counts down
        expect(page.get_by_test_id("hold")).to_contain_text("Your seats are held for")
        expect(page.get_by_test_id("hold")).not_to_contain_text("UTC")  # one clock: no UTC time
        pay_url = page.url
    with context_for(browser, locale="es-AR") as spanish:
        page = spanish.new_page()
        page.goto(pay_url)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_test_id("event")).to_have_text("Pay Page Night")
        expect(page.get_by_test_id("hold")).to_contain_text("Tus butacas quedan reservadas")
        expect(page.get_by_role("button", name=re.compile("^Pagar"))).to_be_visible()
        expect(page.get_by_label("Número de tarjeta")).to_be_visible()


def test_pages_work_at_phone_width(browser: Browser, site: str) -> None:
    event = create_event(site, name="Phone Width Night")
    with context_for(browser, bearer()) as context:
        page = context.new_page()
        page.set_viewport_size({"width": 375, "height": 800})
        page.goto(f"{site}/events/{event['id']}")
        expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        response = page.request.get(f"{site}/events/{event['id']}")
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        seat(page, event["seats"][0]["id"]).focus()
        page.keyboard.press("Enter")
        expect(seat(page, event["seats"][0]["id"])).to_have_attribute("aria-pressed", "true")


@pytest.fixture(scope="module")
def quick_holds_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server whose holds last three seconds and whose sweeper never runs in time."""
    workdir = tmp_path_factory.mktemp("quick")
    port = free_port()
    env = server_env(
        f"sqlite:///{workdir / 'quick.db'}",
        port,
        workdir,
        HOLD_MINUTES="0.05",
        SWEEP_INTERVAL="3600",
    )
    with seatguard_process(["serve", "--no-seed"], env=env, port=port) as base:
        yield base


def test_an_expired_hold_clears_the_selection_and_says_so(
    browser: Browser, quick_holds_site: str
) -> None:
    event = create_event(quick_holds_site, name="Short Hold Night")
    target = event["seats"][0]["id"]
    with context_for(browser, bearer()) as first, context_for(browser, bearer()) as second:
        mine = open_map(first, quick_holds_site, event["id"])
        theirs = open_map(second, quick_holds_site, event["id"])
        seat(mine, target).click()
        mine.get_by_role("button", name="Hold selected seats").click()
        expect(seat(mine, target)).to_have_class(re.compile("seat-mine"))
        expect(seat(theirs, target)).to_have_class(re.compile("seat-locked"))
        expect(mine.get_by_test_id("alerts")).to_contain_text(
            "expired and the seats were released", timeout=15_000
        )
        expect(seat(mine, target)).to_have_class(re.compile("seat-available"))
        expect(mine.locator("#held-box")).to_be_hidden()
        # the other buyer's map frees it too, from the stream's own expiry timer
        expect(seat(theirs, target)).to_have_class(re.compile("seat-available"), timeout=15_000)


def test_the_selection_survives_logging_in(browser: Browser, site: str) -> None:
    event = create_event(site, name="Pick Then Log In")
    first, second, third = (s["id"] for s in event["seats"][:3])
    email = f"pick-{uuid.uuid4().hex[:8]}@example.com"
    registered = httpx.post(
        f"{site}/auth/register", json={"email": email, "password": PASSWORD, "name": "Pia"}
    )
    assert registered.status_code == 201, registered.text
    with context_for(browser) as context:
        page = open_map(context, site, event["id"])
        seat(page, first).click()
        seat(page, second).click()
        seat(page, third).click()
        page.get_by_role("button", name="Hold selected seats").click()
        page.wait_for_url(re.compile(r"/login\?next="))
        # while the buyer logs in, someone else takes one of the three
        r = httpx.post(f"{site}/api/v1/seats/lock", json={"seatIds": [third]}, headers=bearer())
        assert r.status_code == 200
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(rf"/events/{event['id']}$"))
        expect(seat(page, first)).to_have_attribute("aria-pressed", "true")
        expect(seat(page, second)).to_have_attribute("aria-pressed", "true")
        expect(seat(page, third)).to_have_attribute("aria-pressed", "false")
        expect(page.get_by_test_id("alerts")).to_contain_text("was taken while you logged in")
        page.get_by_role("button", name="Hold selected seats").click()
        expect(seat(page, first)).to_have_class(re.compile("seat-mine"))
        expect(seat(page, second)).to_have_class(re.compile("seat-mine"))


def test_holds_follow_the_account_to_another_browser(browser: Browser, site: str) -> None:
    event = create_event(site, name="Two Browsers One Buyer")
    first, second = event["seats"][0]["id"], event["seats"][1]["id"]
    me = bearer(user_id=f"two-browsers-{uuid.uuid4().hex[:6]}")
    with context_for(browser, me) as laptop, context_for(browser, me) as phone:
        on_laptop = open_map(laptop, site, event["id"])
        hold(on_laptop, first)
        on_phone = open_map(phone, site, event["id"])
        expect(seat(on_phone, first)).to_have_class(re.compile("seat-mine"))
        expect(on_phone.get_by_test_id("countdown")).to_have_text(re.compile(r"1[45]:\d\d"))
        hold(
            on_laptop, second
        )  # while the phone watches: the stream says LOCKED, the page asks whose
        expect(seat(on_phone, second)).to_have_class(re.compile("seat-mine"))
        expect(on_phone.locator("#held-list li")).to_have_count(2)


def account_token(site: str, name: str) -> str:
    """A registered account's token, from the real login (the header then names the user)."""
    email = f"{name.lower()}-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": PASSWORD, "name": name}
    assert httpx.post(f"{site}/auth/register", json=body).status_code == 201
    login = httpx.post(f"{site}/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


def test_a_shared_browser_shows_the_next_user_nothing_of_the_last(
    browser: Browser, site: str
) -> None:
    event = create_event(site, name="Shared Browser Night")
    target = event["seats"][0]["id"]
    first_user, next_user = account_token(site, "Uno"), account_token(site, "Dos")
    store = "t => localStorage.setItem('seatguard.token', t)"
    ours = "() => Object.keys(localStorage).filter(k => k.startsWith('seatguard.'))"
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    try:
        page = context.new_page()
        page.goto(site)
        page.evaluate(store, first_user)
        page.goto(f"{site}/events/{event['id']}")
        expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on")
        hold(page, target)
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url(f"{site}/")
        assert page.evaluate(ours) == []
        page.evaluate(store, next_user)
        page.goto(f"{site}/events/{event['id']}")
        expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on")
        expect(page.get_by_test_id("who")).to_contain_text("Dos")
        expect(seat(page, target)).to_have_class(re.compile("seat-locked"))
        expect(page.locator("#held-box")).to_be_hidden()
    finally:
        context.close()
