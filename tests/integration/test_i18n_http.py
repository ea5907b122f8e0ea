"""Spanish and English over HTTP: pages, the switcher, API errors, the account's language."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from seatguard.common.clock import FrozenClock
from seatguard.common.db import Database
from seatguard.common.security import decode_token
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
