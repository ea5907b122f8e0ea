"""In Chromium: an admin invites a door person, who sets a password from the emailed link,
admits a ticket at the door, and the admin sees it on the event's door board."""

from __future__ import annotations

import email
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.policy import default
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from seatguard.booking.models import Ticket
from seatguard.common.db import Database
from seatguard.common.security import Role
from seatguard.tickets.keys import private_key_pem
from seatguard.tickets.short_codes import format_short_code
from tests.e2e.test_door import DoorSite, context_for
from tests.support.live import bearer, server_env
from tests.support.postgres import free_port
from tests.support.server import seatguard_process
from tests.support.tickets import make_paid_order

pytestmark = pytest.mark.e2e
DOOR = "dora.door@example.com"
PASSWORD = "amber lighthouse rain 31"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DoorSite, Path]]:
    workdir = tmp_path_factory.mktemp("staff")
    key = Ed25519PrivateKey.generate()
    (workdir / "ticket-key.pem").write_text(private_key_pem(key))
    url = f"sqlite:///{workdir / 'staff.db'}"
    port = free_port()
    with seatguard_process(["serve"], env=server_env(url, port, workdir), port=port) as base:
        db = Database(url)
        yield DoorSite(base=base, db=db, key=key), workdir / "outbox"
        db.dispose()


def invitation_link(outbox: Path, base: str) -> str:
    for path in outbox.glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        if message["To"] == DOOR:
            text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            found = re.search(re.escape(base) + r"/invite/\S+", text)
            assert found, text
            return found.group(0)
    raise AssertionError(f"no invitation in {outbox}")


def test_admin_invites_a_door_person_who_admits_a_ticket_seen_on_the_board(
    browser: Browser, site: tuple[DoorSite, Path]
) -> None:
    door_site, outbox = site
    paid = make_paid_order(
        door_site.db, now=datetime.now(UTC).replace(microsecond=0), private_key=door_site.key
    )
    with door_site.db.reader() as session:
        short = session.scalar(select(Ticket.short_code).where(Ticket.id == paid.ticket_ids[0]))
    with context_for(browser, bearer(Role.ADMIN)) as admin:
        page = admin.new_page()
        page.goto(f"{door_site.base}/admin/staff")
        page.get_by_label("Email").fill(DOOR)
        page.get_by_label("Role").select_option("staff")
        page.get_by_role("button", name="Send invitation").click()
        expect(page.locator("#admin-status")).to_have_text(f"Invitation sent to {DOOR}.")
        expect(page.locator(f"[data-testid=admin-staff] tr:has-text('{DOOR}')")).to_be_visible()
    link = invitation_link(outbox, door_site.base)
    with browser.new_context() as newcomer:
        newcomer.set_default_timeout(15_000)
        page = newcomer.new_page()
        page.goto(link)
        expect(page.get_by_text(f"Your account: {DOOR}")).to_be_visible()
        page.get_by_label("New password").fill(PASSWORD)
        page.get_by_role("button", name="Save password").click()
        page.wait_for_url(re.compile(r"/staff/check-in"))
        page.get_by_label("Ticket code").fill(format_short_code(str(short)))
        page.get_by_role("button", name="Check in").click()
        result = page.get_by_test_id("checkin-result")
        expect(result).to_have_attribute("data-result", "ok")
        expect(result).to_contain_text("Ana Peña")
        page.goto(f"{door_site.base}/admin/staff")  # a door person is no admin
        expect(page.locator("#admin-status")).to_contain_text("This page is for admins")
        page.goto(link)  # the link worked once
        expect(page.get_by_role("alert")).to_contain_text("already used")
    with context_for(browser, bearer(Role.ADMIN)) as admin:
        page = admin.new_page()
        page.goto(f"{door_site.base}/admin/events/{paid.event_id}/door")
        expect(page.locator("#door-admitted")).to_have_text("1")
        expect(page.locator("#door-remaining")).to_have_text("1")
        scans = page.locator("[data-testid=door-scans] tbody tr")
        expect(scans).to_have_count(1)
        expect(scans.first).to_contain_text("Ana Peña")
        page.goto(f"{door_site.base}/admin/audit")
        expect(page.locator("#admin-audit tbody")).to_contain_text("user.role_changed")
