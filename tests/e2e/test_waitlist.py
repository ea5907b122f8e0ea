"""The waiting list in Chromium: sold out, join, a seat frees, the first in line is emailed
the offer and buys the seat held for them."""

from __future__ import annotations

import email
import email.policy
import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from seatguard.common.security import Role, mint_token
from seatguard.settings import Settings
from tests.e2e.test_buyer_pages import context_for, open_map, pay_with, seat
from tests.support.live import SECRET, bearer, create_event

pytestmark = pytest.mark.e2e

FAN = "late-fan@example.com"


def offer_link(base: Path, address: str, timeout: float = 20) -> str:
    """The event link of the offer email sent to ``address`` (waits for the sweeper)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in base.glob("site*/outbox/*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["X-SeatGuard-Kind"] == "waitlist_offer" and address in message["To"]:
                body = message.get_body(("plain",))
                assert body is not None
                found = re.search(r"http://\S+/events/[0-9a-f-]+", body.get_content())
                assert found is not None
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no offer email to {address}")


def test_sold_out_join_a_seat_frees_and_the_first_in_line_buys_it(
    browser: Browser, site: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    event = create_event(site, seats=2, name="Waiting Night")
    first, second = event["seats"][0]["id"], event["seats"][1]["id"]
    with context_for(browser, bearer(user_id="early-bird")) as early:  # buys the whole hall
        page = open_map(early, site, event["id"])
        seat(page, first).click()
        seat(page, second).click()
        page.get_by_role("button", name="Hold selected seats").click()
        expect(seat(page, second)).to_have_class(re.compile("seat-mine"))
        pay_with(page, "4242 4242 4242 4242")
        page.wait_for_url(re.compile(r"/checkout/success\?order_id="))
        expect(page.get_by_test_id("result")).to_have_attribute("data-status", "COMPLETED")

    token = mint_token(Settings(jwt_secret=SECRET), user_id="late-fan", email=FAN)
    fan = {"Authorization": f"Bearer {token}"}
    with context_for(browser, fan) as late:
        page = open_map(late, site, event["id"])
        box = page.get_by_test_id("waitlist")
        expect(box).to_be_visible()
        expect(box).to_contain_text("sold out")
        page.get_by_label("Seats wanted").select_option("1")
        page.get_by_role("button", name="Join the waiting list").click()
        expect(page.get_by_test_id("waitlist-state")).to_contain_text(
            "You are number 1 on the waiting list"
        )

        admin = bearer(Role.ADMIN, user_id="organizer-w")
        [order] = httpx.get(
            f"{site}/api/v1/admin/orders", params={"eventId": event["id"]}, headers=admin
        ).json()
        order_id = order["id"]
        refunded = httpx.post(
            f"{site}/api/v1/booking-orders/{order_id}/refund",
            json={"seatIds": [second]},
            headers=admin,
            timeout=30,
        )
        assert refunded.status_code == 200, refunded.text

        workdir = tmp_path_factory.getbasetemp()
        link = offer_link(workdir, FAN)
        assert link.endswith(f"/events/{event['id']}")
        page.goto(link)
        expect(seat(page, second)).to_have_class(re.compile("seat-mine"))
        expect(page.get_by_test_id("waitlist-state")).to_contain_text("held for you")
        pay_with(page, "4242 4242 4242 4242")
        page.wait_for_url(re.compile(r"/checkout/success\?order_id="))
        expect(page.get_by_test_id("result")).to_have_attribute("data-status", "COMPLETED")

    listed = httpx.get(
        f"{site}/api/v1/admin/events/{event['id']}/waiting-list", headers=admin, timeout=10
    ).json()
    deadline = time.monotonic() + 10
    while listed[0]["state"] != "CONVERTED" and time.monotonic() < deadline:
        time.sleep(0.5)
        listed = httpx.get(
            f"{site}/api/v1/admin/events/{event['id']}/waiting-list", headers=admin, timeout=10
        ).json()
    assert [(e["userId"], e["state"]) for e in listed] == [("late-fan", "CONVERTED")]
