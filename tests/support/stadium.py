"""A stadium-sized event body: sections of equal rows, up to the per-event cap."""

from __future__ import annotations

from typing import Any

SECTION_NAMES = [f"Tribuna {chr(ord('A') + i)}" for i in range(26)]


def stadium_body(
    *, sections: int = 10, rows: int = 10, seats_per_row: int = 1000, name: str = "Stadium Night"
) -> dict[str, Any]:
    """``sections × rows × seats_per_row`` seats (100,000 by default), prices rising by section."""
    return {
        "name": name,
        "artist": "The Testers",
        "location": "Estadio Monumental, Buenos Aires",
        "gender": "ROCK",
        "date": "2030-01-01T21:00:00+00:00",
        "timezone": "America/Argentina/Buenos_Aires",
        "currency": "usd",
        "sections": [
            {
                "name": SECTION_NAMES[s],
                "priceMinor": 1000 + 500 * s,
                "rows": [{"row": f"R{r + 1}", "seats": seats_per_row} for r in range(rows)],
            }
            for s in range(sections)
        ],
    }
