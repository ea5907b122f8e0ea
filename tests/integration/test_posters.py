"""Event posters: uploads are checked and re-encoded, stored on disk or in S3; demo posters ship."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import boto3
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from seatguard.app import create_app
from seatguard.booking import demo_posters
from seatguard.booking.seed import DEMO_EVENTS, seed_demo
from seatguard.common.security import Role
from tests.support.factories import make_event


def image_bytes(size: tuple[int, int], fmt: str = "PNG", colour: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def poster_client(settings, db, clock, tmp_path):
    settings = settings.model_copy(update={"poster_dir": str(tmp_path / "posters")})
    with TestClient(create_app(settings, db=db, clock=clock)) as client:
        yield client


def test_an_uploaded_poster_is_resized_stored_and_shown(poster_client, auth_header, db, clock):
    event_id, _ = make_event(db, now=clock())
    admin = auth_header("boss", Role.ADMIN)
    response = poster_client.put(
        f"/api/v1/events/{event_id}/poster",
        content=image_bytes((2400, 3200)),
        headers={**admin, "Content-Type": "image/png"},
    )
    assert response.status_code == 200, response.text
    url = response.json()["posterUrl"]
    assert url.startswith("/posters/")
    assert url.endswith(".jpg")
    served = poster_client.get(url)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(served.content)) as poster:
        assert poster.format == "JPEG"
        assert poster.size == (900, 1200)
    assert poster_client.get(f"/api/v1/events/{event_id}").json()["posterUrl"] == url
    page = poster_client.get(f"/events/{event_id}", headers={"Accept": "text/html"})
    assert f'src="{url}"' in page.text
    log = poster_client.get(
        "/api/v1/admin/audit", params={"targetId": str(event_id)}, headers=admin
    ).json()
    assert log[0]["details"]["posterUrl"] == url


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"<svg onload=alert(1)>", "image/svg+xml", 415, "unsupported_media_type"),
        (b"hello", "text/plain", 415, "unsupported_media_type"),
        (b"not an image at all", "image/png", 422, "invalid_image"),
        (image_bytes((400, 400), "JPEG"), "image/png", 422, "invalid_image"),  # lies about itself
        (image_bytes((120, 120)), "image/png", 422, "image_too_small"),
        (b"", "image/png", 422, "invalid_image"),
    ],
)
def test_what_is_not_a_usable_image_is_refused(
    poster_client, auth_header, db, clock, body, content_type, status, code
):
    event_id, _ = make_event(db, now=clock())
    response = poster_client.put(
        f"/api/v1/events/{event_id}/poster",
        content=body,
        headers={**auth_header("boss", Role.ADMIN), "Content-Type": content_type},
    )
    assert response.status_code == status, response.text
    assert response.json()["error"] == code
    assert poster_client.get(f"/api/v1/events/{event_id}").json()["posterUrl"] == ""


def test_a_decompression_bomb_and_an_oversized_upload_are_refused(
    poster_client, auth_header, db, clock
):
    event_id, _ = make_event(db, now=clock())
    admin = {**auth_header("boss", Role.ADMIN), "Content-Type": "image/png"}
    out = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(out, "PNG")  # 400 megapixels in a few kilobytes
    bomb = poster_client.put(
        f"/api/v1/events/{event_id}/poster", content=out.getvalue(), headers=admin
    )
    assert bomb.status_code == 422
    assert bomb.json()["error"] == "invalid_image"
    huge = poster_client.put(
        f"/api/v1/events/{event_id}/poster", content=b"\0" * 8_000_001, headers=admin
    )
    assert huge.status_code == 413
    other = poster_client.post("/api/v1/seats/lock", content=b"\0" * 1_000_001, headers=admin)
    assert other.status_code == 413  # the larger allowance is for poster uploads only


def test_only_admins_upload_posters(poster_client, auth_header, db, clock):
    event_id, _ = make_event(db, now=clock())
    for role in (Role.CUSTOMER, Role.STAFF):
        response = poster_client.put(
            f"/api/v1/events/{event_id}/poster",
            content=image_bytes((400, 400)),
            headers={**auth_header("x", role), "Content-Type": "image/png"},
        )
        assert response.status_code == 403
    missing = poster_client.put(
        f"/api/v1/events/{uuid.UUID(int=3)}/poster",
        content=image_bytes((400, 400)),
        headers={**auth_header("boss", Role.ADMIN), "Content-Type": "image/png"},
    )
    assert missing.status_code == 404


def test_posters_go_to_s3_when_a_bucket_is_configured(
    settings, db, clock, auth_header, sqs_endpoint
):
    bucket = f"posters-{uuid.uuid4().hex[:8]}"
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=sqs_endpoint)
    s3.create_bucket(Bucket=bucket)
    settings = settings.model_copy(
        update={"poster_s3_bucket": bucket, "aws_endpoint_url": sqs_endpoint}
    )
    event_id, _ = make_event(db, now=clock())
    with TestClient(create_app(settings, db=db, clock=clock)) as client:
        response = client.put(
            f"/api/v1/events/{event_id}/poster",
            content=image_bytes((800, 600), "WEBP"),
            headers={**auth_header("boss", Role.ADMIN), "Content-Type": "image/webp"},
        )
    assert response.status_code == 200, response.text
    url = response.json()["posterUrl"]
    assert url.startswith(f"{sqs_endpoint}/{bucket}/posters/{event_id}-")
    key = url.split(f"/{bucket}/", 1)[1]
    stored = s3.get_object(Bucket=bucket, Key=key)
    assert stored["ContentType"] == "image/jpeg"
    with Image.open(io.BytesIO(stored["Body"].read())) as poster:
        assert poster.size == (800, 600)


def test_every_demo_concert_ships_with_its_poster(db, clock):
    with db.unit_of_work() as session:
        seed_demo(session, now=clock())
    static = Path(demo_posters.__file__).resolve().parents[1] / "web"
    for name, *_ in DEMO_EVENTS:
        url = demo_posters.poster_url(name)
        path = static / url.removeprefix("/")
        with Image.open(path) as poster:
            assert poster.size == demo_posters.SIZE
