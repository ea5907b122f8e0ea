"""Page routes answer browsers with HTML error pages; the API keeps its JSON; docs work offline."""

from __future__ import annotations

import re
import uuid

import pytest

HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/events/{uuid.UUID(int=7)}", 404),  # an event that does not exist
        ("/events/not-a-uuid", 422),
        ("/nope", 404),
    ],
)
def test_a_browser_gets_an_html_error_page(app_client, path, status):
    response = app_client.get(path, headers=HTML)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-page"' in response.text
    assert '<html lang="en"' in response.text
    assert "Content-Security-Policy" in response.headers
    assert '{"error"' not in response.text


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (f"/api/v1/events/{uuid.UUID(int=7)}", HTML),  # the API stays JSON for any Accept
        (f"/events/{uuid.UUID(int=7)}", {"Accept": "application/json"}),
        (f"/events/{uuid.UUID(int=7)}", {}),  # scripts and curl get JSON
    ],
)
def test_api_and_non_browser_callers_keep_json_errors(app_client, path, headers):
    response = app_client.get(path, headers=headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["error"] == "event_not_found"


def test_favicon_is_served_and_linked(app_client):
    icon = app_client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.content.startswith(b"<svg")
    page = app_client.get("/", headers=HTML)
    assert '<link rel="icon" href="/static/favicon.svg"' in page.text
    assert app_client.get("/static/favicon.svg").status_code == 200


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_load_their_assets_from_this_server(app_client, path):
    page = app_client.get(path)
    assert page.status_code == 200
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page.text)
    assert assets, page.text
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by SeatGuard"
        served = app_client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 10_000
    assert "cdn" not in page.text.lower()
