"""The hot seat statements for SQLite, named and written once (cached by the connection).

Values are as SQLAlchemy stores them on SQLite: ids as 32 hex digits, timestamps as naive
UTC text (``YYYY-MM-DD HH:MM:SS.ffffff``, so text order is time order). A list of seat ids
is one JSON array parameter read with ``json_each``, so each statement's text never changes.
The conditions are those of ``holds`` (free, still held) and ``seats_sql`` written for SQLite;
they run inside the writer's ``BEGIN IMMEDIATE`` transaction, where no other writer can come
between a read and the write it decides.
"""

from __future__ import annotations

from typing import Final

# Params: ids (JSON array). The seats asked for that exist, with their event's sales window.
ASKED: Final = """
SELECT s.id, s.event_id, e.status, e.starts_at, e.sales_start_at, e.sales_end_at
FROM seats s JOIN events e ON e.id = s.event_id
WHERE s.id IN (SELECT value FROM json_each(:ids))
"""

# Params: user, event, now, ids. The user's unexpired holds in the event beyond those asked for.
HELD_ELSEWHERE: Final = """
SELECT count(*) FROM seats
WHERE held_by = :user AND event_id = :event AND status = 'LOCKED' AND held_until > :now
  AND id NOT IN (SELECT value FROM json_each(:ids))
"""

# Params: ids, user, now, until. Takes every seat asked for that is free for the user (a hold
# of the user's own keeps its expiry and order; an expired one of another is detached from its
# order); the caller undoes it unless every seat came back.
HOLD: Final = """
UPDATE seats SET
  status = 'LOCKED',
  held_by = :user,
  held_until = CASE WHEN status = 'LOCKED' AND held_by = :user AND held_until > :now
                    THEN held_until ELSE :until END,
  order_id = CASE WHEN status = 'LOCKED' AND held_by = :user AND held_until > :now
                  THEN order_id END,
  version = version + 1,
  updated_at = :now
WHERE id IN (SELECT value FROM json_each(:ids))
  AND (status = 'AVAILABLE'
       OR (status = 'LOCKED' AND (held_until <= :now OR held_by = :user)))
RETURNING id, held_until
"""

# Params: seat, user, now. The seat's map columns when the user's running hold (not in a
# checkout) was given back; no row otherwise.
RELEASE: Final = """
UPDATE seats SET status = 'AVAILABLE', held_by = NULL, held_until = NULL, order_id = NULL,
  version = version + 1, updated_at = :now
WHERE id = :seat AND status = 'LOCKED' AND held_by = :user AND held_until > :now
  AND order_id IS NULL
RETURNING id, event_id, section, "row", number, price_minor, accessible, gap_before
"""

# Params: seat. Why a release was refused.
SEAT_STATE: Final = "SELECT status, held_by, held_until, order_id FROM seats WHERE id = :seat"
