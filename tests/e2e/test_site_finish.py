"""In a real browser: error pages are pages, and the API docs render with no network but ours."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Route, expect

pytestmark = pytest.mark.e2e


def only_this_site(site: str):
    """A route handler that aborts every request to any other host (a CDN, say)."""
    host = urlparse(site).netloc
    refused: list[str] = []

    def handle(route: Route) -> None:
        if urlparse(route.request.url).netloc == host:
            route.continue_()
        else:
            refused.append(f"{route.request.resource_type} {route.request.url}")
            route.abort()

    return handle, refused


def test_api_docs_render_offline(browser: Browser, site: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        handle, refused = only_this_site(site)
        page.route("**/*", handle)
        page.goto(f"{site}/docs")
        expect(page.locator(".opblock").first).to_be_visible(timeout=20_000)
        assert page.locator(".opblock").count() > 20
        page.goto(f"{site}/redoc")
        expect(page.get_by_text("Concert ticket sales", exact=False).first).to_be_visible(
            timeout=20_000
        )
        # Only ReDoc's own "powered by" logo image points elsewhere; nothing that renders does.
        assert [r for r in refused if not r.startswith("image ")] == []
    finally:
        context.close()


def test_unknown_pages_are_pages_not_json(browser: Browser, site: str) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        for path in ("/nope", "/events/00000000-0000-0000-0000-000000000007"):
            response = page.goto(f"{site}{path}")
            assert response is not None
            assert response.status == 404
            expect(page.get_by_test_id("error-page")).to_be_visible()
            expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
            assert "{" not in page.locator("main").inner_text()
            page.get_by_role("link", name="Back to the concerts").click()
            expect(page.locator(".event-card").first).to_be_visible()
    finally:
        context.close()
