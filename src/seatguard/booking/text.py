"""Search text: case- and accent-insensitive matching that works the same on every database.

Each event keeps a folded copy of the words a buyer searches by (name, artist, venue and city),
so a query is a plain ``LIKE`` on both SQLite and PostgreSQL: "rio" finds "Río", "LALI" finds
"Lali".
"""

from __future__ import annotations

import unicodedata

MAX_TERMS = 8


def fold(text: str) -> str:
    """Lower-case, without accents or other combining marks, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def search_document(*parts: str) -> str:
    return fold(" ".join(p for p in parts if p))


def search_terms(query: str) -> list[str]:
    """The query's words, folded; every one must match (at most ``MAX_TERMS``)."""
    return fold(query).split()[:MAX_TERMS]
