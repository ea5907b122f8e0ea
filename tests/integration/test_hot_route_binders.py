"""The hot seat routes find their own arguments (``LeanRoute`` binders); every answer must be
the one FastAPI's own handler gives for the same request, refusals word for word.

Each request is sent twice to the same app: as served, then with the binders lifted from the
endpoints (FastAPI then solves their arguments). A hold repeated by its own holder answers the
same, so the two answers must be equal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import jwt
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from seatguard.app import create_app
from seatguard.booking import routes
from seatguard.common.lean_route import BINDER
from seatguard.common.security import mint_token, sign_claims
from tests.support.factories import make_event

HOLDER = "alice"


BOUND = (routes.hold_many_seats, routes.hold_one_seat, routes.release_seat)


@pytest.fixture
def client(settings, db, clock) -> Iterator[TestClient]:
    assert all(hasattr(endpoint, BINDER) for endpoint in BOUND)
    with TestClient(create_app(settings, db=db, clock=clock), raise_server_exceptions=False) as c:
        yield c


@pytest.fixture
def seat_ids(db, clock) -> list[str]:
    _, seats = make_event(db, now=clock(), seats=4)
    return [str(s) for s in seats]


def _answer(response) -> tuple[int, object, str | None, str | None]:
    try:
        body: object = response.json()
    except ValueError:
        body = response.text
    return (
        response.status_code,
        body,
        response.headers.get("content-type"),
        response.headers.get("www-authenticate"),
    )


def _same(client: TestClient, method: str, url: str, **kw) -> None:
    bound = _answer(client.request(method, url, **kw))
    with pytest.MonkeyPatch.context() as patch:
        for endpoint in BOUND:
            patch.delattr(endpoint, BINDER)
        standard = _answer(client.request(method, url, **kw))
    assert bound == standard, (method, url, kw)


def _spellings(seat: str) -> list[str]:
    return [
        seat,
        seat.upper(),
        seat.replace("-", ""),
        "{" + seat + "}",
        "urn:uuid:" + seat,
        seat[:-1],
        seat + "0",
        "not-a-seat",
        "%20" + seat,
    ]


CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/json;charset=utf-16",
    "application/merge-patch+json",
    "text/plain",
    "",
]


@st.composite
def _hold_bodies(draw, seats: list[str]) -> bytes:
    seat = st.sampled_from(seats)
    junk = st.sampled_from(["x", "", "1", seats[0].upper(), seats[0].replace("-", "")])
    value = draw(
        st.one_of(
            st.fixed_dictionaries({"seatIds": st.lists(seat, min_size=1, max_size=3)}),
            st.fixed_dictionaries({"seat_ids": st.lists(seat, min_size=1, max_size=2)}),
            st.fixed_dictionaries({"seatIds": st.lists(st.one_of(seat, junk), max_size=3)}),
            st.fixed_dictionaries({"seatIds": st.just([seats[0]] * 101)}),
            st.fixed_dictionaries({"seatIds": seat}),
            st.just({}),
            st.just([]),
            st.just(None),
        )
    )
    raw = json.dumps(value).encode()
    return draw(st.sampled_from([raw, raw[:-1], b"", b"{nope", raw.decode().encode("utf-16")]))


TOKENS = st.sampled_from(["holder", "other", "none", "garbage", "basic"])


def _headers(settings, which: str, content_type: str | None = None) -> dict[str, str]:
    headers = {} if content_type in (None, "") else {"Content-Type": content_type}
    if which in ("holder", "other", "carol"):
        user = {"holder": HOLDER, "other": "bob"}.get(which, which)
        headers["Authorization"] = f"Bearer {mint_token(settings, user_id=user)}"
    elif which == "garbage":
        headers["Authorization"] = "Bearer nonsense"
    elif which == "basic":
        headers["Authorization"] = "Basic YWxpY2U6eA=="
    return headers


SETTINGS = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(data=st.data(), token=TOKENS, content_type=st.sampled_from(CONTENT_TYPES))
def test_hold_many_answers_as_fastapi_does(client, seat_ids, settings, data, token, content_type):
    body = data.draw(_hold_bodies(seat_ids))
    headers = _headers(settings, token, content_type)
    _same(client, "POST", "/api/v1/seats/lock", content=body, headers=headers)


def test_every_content_type_and_token_answers_as_fastapi_does(client, seat_ids, settings):
    good = json.dumps({"seatIds": seat_ids[:2]}).encode()
    bodies = [good, good.decode().encode("utf-16"), b"", b"{nope", b'{"seatIds": []}']
    for content_type in CONTENT_TYPES:
        for body in bodies:
            for token in ("holder", "none", "garbage", "basic"):
                headers = _headers(settings, token, content_type)
                _same(client, "POST", "/api/v1/seats/lock", content=body, headers=headers)


def test_hold_one_answers_as_fastapi_does(client, seat_ids, settings):
    for seat in _spellings(seat_ids[1]):
        for uid in (HOLDER, "bob", "a" * 64, "a" * 65):
            for token in ("holder", "other", "none", "garbage"):
                for method in ("POST", "PATCH"):
                    url = f"/api/v1/seats/lock/{seat}/uid/{uid}"
                    _same(client, method, url, headers=_headers(settings, token))


@SETTINGS
@given(data=st.data(), token=st.sampled_from(["carol", "none", "garbage", "basic"]))
def test_release_refusals_answer_as_fastapi_does(client, seat_ids, settings, data, token):
    """Seats the caller does not hold (``carol`` holds none; a release that succeeds is
    checked below)."""
    held_by_other = seat_ids[3]
    client.post(
        "/api/v1/seats/lock",
        json={"seatIds": [held_by_other]},
        headers=_headers(settings, "other"),
    )
    seat = data.draw(st.sampled_from(_spellings(data.draw(st.sampled_from(seat_ids)))))
    _same(client, "DELETE", f"/api/v1/seats/lock/{seat}", headers=_headers(settings, token))


def test_a_release_through_the_binder_frees_the_seat(client, seat_ids, settings):
    lean = client
    holder = _headers(settings, "holder")
    held = lean.post("/api/v1/seats/lock", json={"seatIds": [seat_ids[0]]}, headers=holder)
    assert held.status_code == 200, held.text
    released = lean.delete(f"/api/v1/seats/lock/{seat_ids[0]}", headers=holder)
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "AVAILABLE"
    again = lean.post(
        "/api/v1/seats/lock", json={"seatIds": [seat_ids[0]]}, headers=_headers(settings, "other")
    )
    assert again.status_code == 200, again.text


def _spanish_token(settings) -> str:
    claims = jwt.decode(mint_token(settings, user_id="carol"), options={"verify_signature": False})
    return sign_claims({**claims, "lang": "es"}, settings)


def test_a_refusal_is_worded_in_the_verified_tokens_language_without_decoding_it_again(
    client, seat_ids, settings, monkeypatch
):
    """The authentication verified the token and kept its ``lang`` claim: the 409's message
    is Spanish although the browser asks for English, and the token is not decoded again."""
    client.post(
        "/api/v1/seats/lock", json={"seatIds": [seat_ids[2]]}, headers=_headers(settings, "other")
    )
    headers = {"Authorization": f"Bearer {_spanish_token(settings)}", "Accept-Language": "en"}
    english = client.post(
        "/api/v1/seats/lock",
        json={"seatIds": [seat_ids[2]]},
        headers={**_headers(settings, "carol"), "Accept-Language": "en"},
    )
    decoded = jwt.decode
    unverified: list[str] = []

    def counting(token, *args, **kwargs):
        if kwargs.get("options", {}).get("verify_signature") is False:
            unverified.append(token)
        return decoded(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counting)
    refused = client.post("/api/v1/seats/lock", json={"seatIds": [seat_ids[2]]}, headers=headers)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == english.json()["error"] == "seats_unavailable"
    assert refused.json()["message"] != english.json()["message"]  # Spanish, not English
    assert unverified == []
