"""Spanish and English over HTTP: pages, the switcher, API errors, the account's language."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from fastapi.testclient import TestClient

from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.security import Role, decode_token
from seatguard.settings import Settings
from tests.support.factories import make_event

PASSWORD = "violet harbour lantern 42"
HTML = {"Accept": "text/html"}


def test_pages_speak_the_accept_language_and_carry_lang(app_client: TestClient, db, clock):
    event_id, _ = make_event(db, now=clock(), price_minor=30000)
    english = app_client.get(f"/events/{event_id}", headers=HTML)
    spanish = app_client.get(f"/events/{event_id}", headers={**HTML, "Accept-Language": "es-AR"})
    assert '<html lang="en"' in english.text
    assert "Choose your seats" in english.text
    assert "$300.00" in english.text
    assert '<html lang="es"' in spanish.text
    assert spanish.headers["content-language"] == "es"
    assert "Elegí tus butacas" in spanish.text
    assert "Choose your seats" not in spanish.text
    assert "US$ 300,00" in spanish.text
    assert 'id="sg-texts"' in spanish.text
    assert "Reservamos {seats} para vos" in spanish.text  # the scripts' texts, as JSON
    for page in (english, spanish):
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert "<script>" not in page.text  # no inline code: only a JSON data block


def test_pages_show_the_events_local_time_with_its_zone(app_client: TestClient, db, clock):
    event_id, _ = make_event(db, now=clock())
    with db.unit_of_work() as session:
        from seatguard.booking.models import Event

        event = session.get(Event, event_id)
        assert event is not None
        event.timezone = "America/Argentina/Buenos_Aires"
    for path in ("/", f"/events/{event_id}"):
        english = app_client.get(path, headers=HTML).text
        spanish = app_client.get(path, headers={**HTML, "Accept-Language": "es"}).text
        assert "(Argentina Time)" in english
        assert "(hora de Argentina)" in spanish
        assert 'data-zone="America/Argentina/Buenos_Aires"' in english
        assert " UTC</time>" not in english


def test_the_switcher_sets_a_cookie_that_beats_accept_language(app_client: TestClient):
    switched = app_client.get(
        "/lang/es?next=/login", headers={"Accept-Language": "en"}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    assert "lang=es" in switched.headers["set-cookie"]
    page = app_client.get("/login", headers={**HTML, "Accept-Language": "en"})
    assert "Iniciar sesión" in page.text
    app_client.post("/lang/en?next=/login", follow_redirects=False)
    assert "Iniciar sesión" not in app_client.get("/login", headers=HTML).text


def test_the_switcher_never_redirects_off_site(app_client: TestClient):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = app_client.get(f"/lang/es?next={target}", follow_redirects=False)
        assert response.headers["location"] == "/"
    bad = app_client.get("/lang/fr", headers={"Accept": "application/json"})
    assert bad.status_code == 422
    assert bad.json()["error"] == "unknown_language"


def test_api_errors_keep_their_code_and_translate_their_message(app_client: TestClient):
    path = f"/api/v1/events/{uuid.UUID(int=7)}"
    english = app_client.get(path)
    spanish = app_client.get(path, headers={"Accept-Language": "es"})
    assert english.status_code == spanish.status_code == 404
    assert english.json()["error"] == spanish.json()["error"]
    assert english.json()["message"] == "No such event."
    assert spanish.json()["message"] == "Ese evento no existe."
    missing = app_client.post("/api/v1/seats/lock", json={}, headers={"Accept-Language": "es"})
    assert missing.status_code == 401
    assert missing.json() == {
        "error": "missing_token",
        "message": "Se necesita un token de acceso (bearer).",
    }


def test_a_message_built_with_values_falls_back_to_its_codes_sentence(app_client: TestClient):
    short = app_client.post(
        "/auth/register",
        json={"email": "a@example.com", "password": "short"},
        headers={"Accept-Language": "es"},
    )
    assert short.status_code == 422
    assert short.json()["error"] == "password_too_short"
    assert short.json()["message"] == "La contraseña debe tener al menos 8 caracteres."


def test_the_account_language_is_kept_in_the_token_and_beats_the_browser(
    app_client: TestClient, settings: Settings, db: Database, clock: FrozenClock
):
    made = app_client.post(
        "/auth/register",
        json={"email": "ana@example.com", "password": PASSWORD, "language": "es"},
    )
    assert made.status_code == 201, made.text
    assert made.json()["language"] == "es"
    token = app_client.post(
        "/auth/login", json={"email": "ana@example.com", "password": PASSWORD}
    ).json()["access_token"]
    import jwt

    assert jwt.decode(token, options={"verify_signature": False})["lang"] == "es"
    bearer = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    lost = app_client.get(f"/api/v1/booking-orders/{uuid.UUID(int=9)}", headers=bearer)
    assert lost.status_code == 404
    assert lost.json()["message"] == "Ese pedido no existe."

    changed = app_client.patch("/auth/me", json={"language": "en"}, headers=bearer)
    assert changed.status_code == 200, changed.text
    assert changed.json()["language"] == "en"
    fresh = changed.json()["accessToken"]
    assert decode_token(fresh, settings).user_id == decode_token(token, settings).user_id
    assert jwt.decode(fresh, options={"verify_signature": False})["lang"] == "en"
    me = app_client.get("/auth/me", headers={"Authorization": f"Bearer {fresh}"}).json()
    assert me["language"] == "en"
    refused = app_client.patch("/auth/me", json={"language": "fr"}, headers=bearer)
    assert refused.status_code == 422
    anonymous = app_client.patch("/auth/me", json={"language": "es"})
    assert anonymous.status_code == 401


def _texts(html: str) -> set[str]:
    """The words a page shows or reads out: text between tags and its labels, alts, captions."""
    body = html.split("<main", 1)[-1]
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    shown = re.findall(r">([^<>]+)<", body)
    said = re.findall(r'(?:aria-label|alt|placeholder|title)="([^"]+)"', body)
    return {t.strip() for t in shown + said if re.search(r"[A-Za-z]{2}", t)}


# The same in both languages: names, formats and the concert's own data.
SAME_IN_BOTH = {"Estadio River Plate, Buenos Aires", "Rock", "Pop", "Jazz", "Metal", "SeatGuard"}


@pytest.mark.parametrize(
    ("path", "english", "spanish"),
    [
        ("/admin", "<h1>Back office</h1>", "<h1>Administración</h1>"),
        ("/admin/orders", "<h1>Orders</h1>", "<h1>Pedidos</h1>"),
        ("/admin/audit", "<h1>Audit log</h1>", "<h1>Registro de auditoría</h1>"),
        ("/admin/events/new", "<h1>New event</h1>", "<h1>Nuevo evento</h1>"),
        (f"/admin/events/{uuid.UUID(int=3)}", "Event dashboard</h1>", "Panel del evento</h1>"),
        ("/admin/staff", "<h1>Staff</h1>", "<h1>Personal</h1>"),
        (f"/admin/events/{uuid.UUID(int=3)}/door", ">Door</h1>", ">Puerta</h1>"),
        (f"/admin/orders/{uuid.UUID(int=4)}", ">Order</h1>", ">Pedido</h1>"),
    ],
)
def test_the_back_office_speaks_spanish(app_client: TestClient, path, english, spanish):
    en = app_client.get(path, headers=HTML)
    es = app_client.get(path, headers={**HTML, "Accept-Language": "es"})
    assert en.status_code == es.status_code == 200
    assert '<html lang="en"' in en.text
    assert english in en.text
    assert '<html lang="es"' in es.text
    assert spanish in es.text
    title = re.search(r"<title>(.*?) · SeatGuard</title>", es.text)
    assert title is not None
    assert title.group(1) in spanish
    left_in_english = (_texts(en.text) & _texts(es.text)) - SAME_IN_BOTH
    assert left_in_english == set(), "shown in English on the Spanish page"


def test_poster_refusals_speak_spanish(app_client: TestClient, auth_header, db, clock):
    from PIL import Image

    event_id, _ = make_event(db, now=clock())
    headers = {**auth_header("boss", Role.ADMIN), "Accept-Language": "es"}
    tiny = io.BytesIO()
    Image.new("RGB", (120, 120), "red").save(tiny, "PNG")
    small = app_client.put(
        f"/api/v1/events/{event_id}/poster",
        content=tiny.getvalue(),
        headers={**headers, "Content-Type": "image/png"},
    )
    assert small.status_code == 422
    assert small.json()["error"] == "image_too_small"
    assert small.json()["message"] == "Un afiche tiene que medir al menos 200 píxeles por lado."
    svg = app_client.put(
        f"/api/v1/events/{event_id}/poster",
        content=b"<svg/>",
        headers={**headers, "Content-Type": "image/svg+xml"},
    )
    assert svg.status_code == 415
    assert svg.json()["message"] == "Mandá el afiche como image/jpeg, image/png o image/webp."


def test_order_views_name_the_venue_and_the_local_time_in_the_callers_language(
    app_client: TestClient, auth_header, db, clock
):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from tests.support.tickets import make_paid_order

    paid = make_paid_order(
        db,
        now=clock(),
        private_key=Ed25519PrivateKey.generate(),
        status="PENDING",
        with_tickets=False,
        user_id="alice",
    )
    alice = auth_header("alice")
    english = app_client.get(f"/api/v1/booking-orders/{paid.order_id}", headers=alice).json()
    spanish = app_client.get(
        "/api/v1/booking-orders", headers={**alice, "Accept-Language": "es-AR"}
    ).json()[0]
    assert english["eventLocation"] == spanish["eventLocation"] == "Test Hall, Buenos Aires"
    assert english["eventTimezone"] == "America/Argentina/Buenos_Aires"
    assert english["reference"] == spanish["reference"] == paid.order_id.hex[:8].upper()
    assert re.search(r", \d{1,2}:\d\d [AP]M \(Argentina Time\)$", english["eventTime"])
    assert re.search(r", \d\d:\d\d \(hora de Argentina\)$", spanish["eventTime"])
    assert len(english["items"]) == 2  # the seats of an order awaiting payment
