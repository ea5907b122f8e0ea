"""A buyer in Spanish: switch language, buy with the sandbox card, get a Spanish email and PDF."""

from __future__ import annotations

import email
import email.policy
import io
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

from seatguard.common.security import Role
from tests.e2e.test_buyer_pages import PASSWORD, context_for
from tests.support.live import bearer, server_env
from tests.support.postgres import free_port
from tests.support.server import seatguard_process

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def spanish_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("spanish-site")
    port = free_port()
    env = server_env(f"sqlite:///{workdir / 'site.db'}", port, workdir)
    with seatguard_process(["serve"], env=env, port=port) as base:
        yield base, workdir / "outbox"


def wait_for_email(outbox: Path, timeout: float = 30) -> email.message.EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in outbox.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if message["X-SeatGuard-Kind"] == "confirmation":
                assert isinstance(message, email.message.EmailMessage)
                return message
        time.sleep(0.3)
    raise AssertionError("no confirmation email arrived")


def test_buy_a_ticket_in_spanish(
    browser: Browser, spanish_site: tuple[str, Path], shoot: Any
) -> None:
    site, outbox = spanish_site
    address = f"comprador-{uuid.uuid4().hex[:8]}@example.com"
    with context_for(browser, timezone_id="Europe/Madrid", locale="en-US") as context:
        page = context.new_page()
        page.goto(f"{site}/signup")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.get_by_test_id("languages").get_by_role("link", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", name="Registrarse")).to_be_visible()

        page.get_by_label("Nombre", exact=True).fill("Ana Compradora")
        page.get_by_label("Correo electrónico").fill(address)
        page.get_by_label("Contraseña").fill(PASSWORD)
        page.get_by_role("button", name="Crear cuenta").click()
        expect(page.get_by_test_id("who")).to_have_text("Sesión iniciada como Ana Compradora")

        page.goto(f"{site}/")
        expect(page.locator(".event-card time").first).to_contain_text("(hora de Argentina)")
        shoot(page, "es-01-events")
        page.goto(f"{site}/?q=Rock+en+el")
        page.locator(".event-card h2 a").first.click()
        expect(page.locator("#seatmap-app")).to_have_attribute("data-live", "on")
        event_time = page.get_by_test_id("event-time")
        expect(event_time).to_contain_text(re.compile(r", \d\d:\d\d \(hora de Argentina\)"))
        expect(page.get_by_test_id("own-time").first).to_contain_text("Tu hora:")
        # one clock: the buyer's own time in the same 24-hour form as the event's
        expect(page.get_by_test_id("own-time").first).to_contain_text(re.compile(r" \d\d:\d\d "))
        expect(page.get_by_test_id("own-time").first).not_to_contain_text("m.")
        expect(page.get_by_text("Elegí tus butacas")).to_be_visible()

        free = page.locator('button.seat[data-status="AVAILABLE"]').first
        seat_id = free.get_attribute("data-seat-id")
        assert seat_id
        free.click()
        expect(page.locator("#selection-summary")).to_contain_text("1 butaca seleccionada")
        page.get_by_role("button", name="Reservar las butacas elegidas").click()
        expect(page.locator(f'button.seat[data-seat-id="{seat_id}"]')).to_have_class(
            re.compile("seat-mine")
        )
        expect(page.get_by_test_id("messages")).to_contain_text("Reservamos")
        expect(page.locator("#held-total")).to_contain_text("US$")
        shoot(page, "es-02-seat-map-with-hold")
        page.get_by_role("button", name="Pagar", exact=True).click()
        page.wait_for_url(re.compile(r"/sandbox/stripe/pay/"))
        with context_for(browser, locale="es-AR") as spanish_browser:
            pay_page = spanish_browser.new_page()  # the payment page follows the browser's language
            pay_page.goto(page.url)
            expect(pay_page.get_by_test_id("hold")).to_contain_text("Tus butacas")
            shoot(pay_page, "es-03-payment")
        page.fill("#card_number", "4242 4242 4242 4242")
        page.fill("#exp_month", "12")
        page.fill("#exp_year", "2040")
        page.fill("#cvc", "123")
        page.fill("#cardholder", "Ana Compradora")
        email_field = page.locator("#email")
        if email_field.count():
            email_field.fill(address)
        page.get_by_role("button", name=re.compile("^Pay")).click()
        page.wait_for_url(re.compile(r"/checkout/success\?order_id="))
        expect(page.get_by_test_id("result")).to_have_attribute("data-status", "COMPLETED")
        expect(page.locator("#result-status")).to_have_text(
            "Pago confirmado: tus entradas están listas."
        )
        shoot(page, "es-04-success")
        page.goto(f"{site}/my/tickets")
        expect(page.get_by_test_id("order-reference")).to_be_visible()
        expect(page.get_by_test_id("order-time")).to_contain_text("(hora de Argentina)")
        shoot(page, "es-05-my-tickets")
        short_code = page.get_by_test_id("short-code").first.inner_text()
    with context_for(browser, bearer(Role.STAFF), locale="es-AR") as staff:
        door = staff.new_page()
        door.goto(f"{site}/staff/check-in")
        door.get_by_label("Código de la entrada").fill(short_code)
        door.get_by_role("button", name="Registrar ingreso").click()
        expect(door.get_by_test_id("checkin-result")).to_contain_text("Dejá pasar: Ana Compradora")
        shoot(door, "es-06-check-in")

    message = wait_for_email(outbox)
    assert message["Subject"].startswith("Tus entradas para")
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content()
    assert "Hola Ana Compradora" in content
    assert "(hora de Argentina)" in content
    assert "US$ " in content
    assert "your payment" not in content
    pdf = next(p for p in message.iter_attachments() if p.get_content_type() == "application/pdf")
    pdf_text = PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "ENTRADA SEATGUARD" in pdf_text
    assert "(hora de Argentina)" in pdf_text
    assert "Mostrá este código en la puerta" in pdf_text
