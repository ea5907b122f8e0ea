"""The buyer's web pages and the live seat stream, mounted on the booking app."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from seatguard.web.pages import HERE, error_page
from seatguard.web.pages import router as pages_router
from seatguard.web.stream import router as stream_router


def install_web(app: FastAPI, *, api_prefix: str) -> None:
    """Add the seat stream under ``api_prefix``, the pages at the root and ``/static``."""
    app.include_router(stream_router, prefix=api_prefix)
    app.include_router(pages_router)
    app.state.error_page = error_page
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
