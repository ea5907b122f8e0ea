"""The door in Chromium: short codes typed in, QR images read, offline scans synced later."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from seatguard.booking.models import Ticket
from seatguard.common.db import Database
from seatguard.common.security import Role
from seatguard.tickets.codes import sign_ticket
from seatguard.tickets.keys import private_key_pem
from seatguard.tickets.short_codes import format_short_code
from tests.e2e.conftest import CHROMIUM_ARGS
from tests.support.live import bearer, server_env
from tests.support.postgres import free_port
from tests.support.server import seatguard_process
from tests.support.tickets import PaidOrder, make_paid_order

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class DoorSite:
    base: str
    db: Database
    key: Ed25519PrivateKey

    def paid_order(
        self, *, seats: int = 2, user_id: str = "door-buyer", status: str = "COMPLETED"
    ) -> PaidOrder:
        now = datetime.now(UTC).replace(microsecond=0)
        return make_paid_order(
            self.db,
            now=now,
            private_key=self.key,
            seats=seats,
            user_id=user_id,
            status=status,
            with_tickets=status == "COMPLETED",
        )

    def short_code(self, ticket_id: uuid.UUID) -> str:
        with self.db.reader() as session:
            return str(session.scalar(select(Ticket.short_code).where(Ticket.id == ticket_id)))

    def checked_in_at(self, ticket_id: uuid.UUID) -> datetime | None:
        with self.db.reader() as session:
            return session.scalar(select(Ticket.checked_in_at).where(Ticket.id == ticket_id))


@pytest.fixture(scope="module")
def door_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DoorSite]:
    """A ``seatguard serve`` whose ticket key and SQLite file the test shares."""
    workdir = tmp_path_factory.mktemp("door")
    key = Ed25519PrivateKey.generate()
    (workdir / "ticket-key.pem").write_text(private_key_pem(key))
    url = f"sqlite:///{workdir / 'door.db'}"
    port = free_port()
    with seatguard_process(["serve"], env=server_env(url, port, workdir), port=port) as base:
        db = Database(url)
        yield DoorSite(base=base, db=db, key=key)
        db.dispose()


def context_for(
    browser: Browser,
    headers: dict[str, str],
    *,
    locale: str = "en-US",
    timezone_id: str | None = None,
) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale=locale, timezone_id=timezone_id
    )
    context.set_default_timeout(15_000)
    token = headers["Authorization"].removeprefix("Bearer ")
    context.add_init_script(f"localStorage.setItem('seatguard.token', {json.dumps(token)})")
    return context


def open_door(context: BrowserContext, site: DoorSite, event_id: uuid.UUID) -> Page:
    page = context.new_page()
    page.goto(f"{site.base}/staff/check-in?event={event_id}")
    expect(page.get_by_test_id("door-count")).to_be_visible()
    page.wait_for_function("localStorage.getItem('seatguard.door.key') !== null")
    return page


def qr_png(code: str, path: Path) -> Path:
    segno.make_qr(code, error="m").save(str(path), scale=6, border=4)
    return path


def expect_count(page: Page, admitted: int, remaining: int) -> None:
    expect(page.locator("#count-admitted")).to_have_text(str(admitted))
    expect(page.locator("#count-remaining")).to_have_text(str(remaining))


def test_check_in_link_shows_only_to_staff_and_admins(
    browser: Browser, door_site: DoorSite
) -> None:
    for role, visible in ((Role.CUSTOMER, False), (Role.STAFF, True), (Role.ADMIN, True)):
        with context_for(browser, bearer(role)) as context:
            page = context.new_page()
            page.goto(door_site.base)
            expect(page.get_by_role("link", name="Concerts")).to_be_visible()
            page.wait_for_load_state("load")
            link = page.get_by_role("link", name="Check-in")
            if visible:
                expect(link).to_be_visible()
            else:
                expect(link).to_be_hidden()


def test_short_code_typed_in_admits_once(browser: Browser, door_site: DoorSite) -> None:
    paid = door_site.paid_order(seats=2)
    first = door_site.short_code(paid.ticket_ids[0])
    with context_for(browser, bearer(Role.CUSTOMER, "door-buyer")) as buyer:
        page = buyer.new_page()
        page.goto(f"{door_site.base}/my/tickets")
        shown = page.locator(f'[data-order-id="{paid.order_id}"]').get_by_test_id("short-code")
        expect(shown).to_have_count(2)
        printed = {format_short_code(door_site.short_code(t)) for t in paid.ticket_ids}
        assert set(shown.all_inner_texts()) == printed  # whole, not truncated
    with context_for(browser, bearer(Role.STAFF)) as staff:
        page = open_door(staff, door_site, paid.event_id)
        expect_count(page, 0, 2)
        typed = format_short_code(first).lower().replace("-", " ").replace("0", "o")
        page.get_by_label("Ticket code").fill(typed)
        page.get_by_role("button", name="Check in").click()
        result = page.get_by_test_id("checkin-result")
        expect(result).to_have_attribute("data-result", "ok")
        expect(result).to_contain_text("Admit: Ana Peña")
        expect_count(page, 1, 1)
        page.get_by_role("button", name="Check in").click()
        expect(result).to_have_attribute("data-result", "used")
        page.get_by_label("Ticket code").fill("ZZZZ-ZZZZ-ZZZZ")
        page.get_by_role("button", name="Check in").click()
        expect(result).to_have_attribute("data-result", "forged")
    assert door_site.checked_in_at(paid.ticket_ids[0]) is not None
    assert door_site.checked_in_at(paid.ticket_ids[1]) is None


def test_the_door_speaks_spanish(browser: Browser, door_site: DoorSite) -> None:
    paid = door_site.paid_order(seats=1)
    short = format_short_code(door_site.short_code(paid.ticket_ids[0]))
    with context_for(browser, bearer(Role.STAFF), locale="es-AR") as staff:
        page = open_door(staff, door_site, paid.event_id)
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name="Control de acceso")).to_be_visible()
        expect(page.get_by_test_id("door-count")).to_contain_text("ingresaron")
        expect(page.get_by_role("button", name="Escanear con la cámara")).to_be_visible()
        page.get_by_label("Código de la entrada").fill(short)
        page.get_by_role("button", name="Registrar ingreso").click()
        result = page.get_by_test_id("checkin-result")
        expect(result).to_have_attribute("data-result", "ok")
        expect(result).to_contain_text("Dejá pasar: Ana Peña")
        expect(result).to_contain_text("Butaca ")
        page.get_by_role("button", name="Registrar ingreso").click()
        expect(result).to_have_attribute("data-result", "used")
        expect(result).to_contain_text("No dejes pasar: ya se usó.")
        for english in ("Admit", "Seat ", "Ticket code", "Scan"):
            expect(page.locator("main")).not_to_contain_text(english)


def test_qr_image_is_read_and_admitted(
    browser: Browser, door_site: DoorSite, tmp_path: Path
) -> None:
    paid = door_site.paid_order(seats=1)
    image = qr_png(paid.codes[paid.ticket_ids[0]], tmp_path / "ticket.png")
    with context_for(browser, bearer(Role.STAFF)) as staff:
        page = open_door(staff, door_site, paid.event_id)
        page.set_input_files("#scan-image", str(image))
        result = page.get_by_test_id("checkin-result")
        expect(result).to_have_attribute("data-result", "ok")
        expect(result).to_contain_text("Admit: Ana Peña")
        expect_count(page, 1, 0)
        assert page.get_by_label("Ticket code").input_value() == paid.codes[paid.ticket_ids[0]]
        blank = tmp_path / "blank.png"
        segno.make_qr("x").save(str(blank), scale=1, border=0, dark="white")
        page.set_input_files("#scan-image", str(blank))
        expect(result).to_have_attribute("data-result", "error")
    assert door_site.checked_in_at(paid.ticket_ids[0]) is not None


def test_offline_scans_are_verified_locally_then_synced(
    browser: Browser, door_site: DoorSite, tmp_path: Path
) -> None:
    paid = door_site.paid_order(seats=2)
    first, second = paid.ticket_ids
    forged = sign_ticket(
        ticket_id=second,
        event_id=paid.event_id,
        seat_label="GENERAL G2",
        private_key=Ed25519PrivateKey.generate(),
    )
    images: dict[str, Any] = {
        "first": qr_png(paid.codes[first], tmp_path / "first.png"),
        "forged": qr_png(forged, tmp_path / "forged.png"),
        "second": qr_png(paid.codes[second], tmp_path / "second.png"),
    }
    with context_for(browser, bearer(Role.STAFF)) as staff:
        page = open_door(staff, door_site, paid.event_id)
        result = page.get_by_test_id("checkin-result")
        staff.set_offline(True)
        page.set_input_files("#scan-image", str(images["first"]))
        expect(result).to_have_attribute("data-result", "offline")
        expect(page.get_by_test_id("door-network")).to_have_attribute("data-state", "offline")
        expect(page.locator("#pending-count")).to_have_text("1")
        page.set_input_files("#scan-image", str(images["first"]))  # the same ticket again
        expect(result).to_have_attribute("data-result", "used")
        page.set_input_files("#scan-image", str(images["forged"]))
        expect(result).to_have_attribute("data-result", "forged")
        page.get_by_label("Ticket code").fill(door_site.short_code(second))
        page.get_by_role("button", name="Check in").click()
        expect(result).to_contain_text("need the network")
        expect(page.locator("#pending-count")).to_have_text("1")
        assert door_site.checked_in_at(first) is None  # nothing reached the server

        staff.set_offline(False)
        sync = page.get_by_test_id("door-sync")
        expect(sync).to_have_attribute("data-sent", "1")
        expect(sync).to_have_attribute("data-duplicates", "0")
        expect(page.get_by_test_id("door-network")).to_have_attribute("data-state", "online")
        expect(page.locator("#pending-wrap")).to_be_hidden()
        expect_count(page, 1, 1)
        assert door_site.checked_in_at(first) is not None
        page.set_input_files("#scan-image", str(images["second"]))
        expect(result).to_have_attribute("data-result", "ok")
        expect_count(page, 2, 0)
    assert re.fullmatch(r"[0-9A-Z]{12}", door_site.short_code(second))


def y4m_of_qr(code: str, path: Path, *, frames: int = 10) -> Path:
    """A still video (Y4M, 4:2:0) of the code's QR symbol, for Chromium's fake camera."""
    matrix = segno.make_qr(code, error="m").matrix
    scale, border = 6, 4
    side = (len(matrix) + 2 * border) * scale
    width, height = side + side % 2, side + side % 2
    luma = bytearray([235]) * (width * height)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark & 1:
                for y in range((r + border) * scale, (r + border + 1) * scale):
                    start = y * width + (c + border) * scale
                    luma[start : start + scale] = bytes([16]) * scale
    chroma = bytes([128]) * ((width // 2) * (height // 2) * 2)
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F5:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n" + bytes(luma) + chroma)
    return path


def test_camera_scan_admits(browser: Browser, door_site: DoorSite, tmp_path: Path) -> None:
    """Chromium's fake camera plays a video of the ticket's QR code to the page's scanner."""
    paid = door_site.paid_order(seats=1)
    video = y4m_of_qr(paid.codes[paid.ticket_ids[0]], tmp_path / "qr.y4m")
    camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    ]
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    chromium = browser.browser_type.launch(
        executable_path=executable, args=[*CHROMIUM_ARGS, *camera]
    )
    try:
        with context_for(chromium, bearer(Role.STAFF)) as staff:
            staff.grant_permissions(["camera"], origin=door_site.base)
            page = open_door(staff, door_site, paid.event_id)
            page.get_by_role("button", name="Scan with the camera").click()
            expect(page.locator("#camera")).to_be_visible()
            result = page.get_by_test_id("checkin-result")
            expect(result).to_have_attribute("data-result", "ok")
            expect(result).to_contain_text("Admit: Ana Peña")
            expect_count(page, 1, 0)
            page.wait_for_timeout(4000)  # held in view: later frames are not re-sent
            expect(result).to_have_attribute("data-result", "ok")
            page.get_by_role("button", name="Stop the camera").click()
            expect(page.locator("#camera")).to_be_hidden()
    finally:
        chromium.close()
    assert door_site.checked_in_at(paid.ticket_ids[0]) is not None
