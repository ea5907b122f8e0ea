"""The hot seat statements for PostgreSQL, named and written once (prepared per connection).

Timestamps are naive UTC, as the ``UTCDateTime`` columns store them. The conditions are the
same as the SQLAlchemy predicates in ``holds`` (free, still held) written out in SQL.

A hold takes the user's hold lock, then ``HOLD`` checks the sale (the event's state and
sales window, the rule of ``domain.why_not_on_sale``), the per-user cap, takes the seats
and notifies live seat maps. The lock cannot be a CTE of ``HOLD``: a statement's snapshot
is taken before any of it runs, so the cap would be counted without the holds another
request of the same user committed while this one waited for the lock. Both run inside
``HOLDS_FUNCTION``, whose statements each take a fresh snapshot: one call, one round trip
and one transaction for one hold or for a batch of them.

The statements notify channel ``seat_changes`` (``live.CHANNEL``) with ``live``'s payloads.
"""

from __future__ import annotations

from typing import Final

# Params: ids uuid[], user, now, until, room (the cap less the seats asked for). Run after
# the user's hold lock, in ``HOLDS_FUNCTION``. Nothing changes unless every seat can be
# taken; the row returned says why not, or which seats it took until when.
HOLD: Final = """
WITH asked AS (
    SELECT s.id, s.event_id, e.status AS event_status, e.starts_at,
           e.sales_start_at, e.sales_end_at
    FROM seats s JOIN events e ON e.id = s.event_id
    WHERE s.id = ANY(%(ids)s)
), verdict AS (
    SELECT count(*) AS found,
           count(DISTINCT event_id) AS events,
           (array_agg(event_id))[1] AS event_id,
           coalesce(bool_and(event_status = 'ON_SALE'
                             AND coalesce(sales_start_at <= %(now)s, true)
                             AND coalesce(sales_end_at > %(now)s, true)), false) AS on_sale,
           coalesce(bool_and(starts_at > %(now)s), false) AS upcoming,
           (array_agg(event_status))[1] AS event_status,
           (array_agg(starts_at))[1] AS starts_at,
           (array_agg(sales_start_at))[1] AS sales_start_at,
           (array_agg(sales_end_at))[1] AS sales_end_at
    FROM asked
), elsewhere AS (
    SELECT count(*) AS held FROM seats o
    WHERE o.event_id = (SELECT event_id FROM verdict)
      AND o.status = 'LOCKED' AND o.held_by = %(user)s AND o.held_until > %(now)s
      AND o.id <> ALL(%(ids)s)
), allowed AS (
    SELECT v.found = cardinality(%(ids)s) AND v.events = 1 AND v.on_sale AND v.upcoming
           AND h.held <= %(room)s AS ok
    FROM verdict v, elsewhere h
), target AS (
    SELECT s.id FROM seats s
    WHERE s.id = ANY(%(ids)s) AND (SELECT ok FROM allowed)
      AND (s.status = 'AVAILABLE'
           OR (s.status = 'LOCKED' AND (s.held_until <= %(now)s OR s.held_by = %(user)s)))
    ORDER BY s.id
    FOR UPDATE SKIP LOCKED
), taken AS (
    UPDATE seats s
    SET status = 'LOCKED',
        held_by = %(user)s,
        held_until = CASE WHEN s.status = 'LOCKED' AND s.held_by = %(user)s
                               AND s.held_until > %(now)s
                          THEN s.held_until ELSE %(until)s END,
        order_id = CASE WHEN s.status = 'LOCKED' AND s.held_by = %(user)s
                             AND s.held_until > %(now)s
                        THEN s.order_id END,
        version = s.version + 1,
        updated_at = %(now)s
    WHERE s.id IN (SELECT id FROM target)
      AND (SELECT count(*) FROM target) = cardinality(%(ids)s)
    RETURNING s.id, s.event_id, s.held_until
)
SELECT v.found, v.events, v.event_id, v.on_sale, v.upcoming, h.held,
       v.event_status, v.starts_at, v.sales_start_at, v.sales_end_at,
       ARRAY(SELECT id FROM asked) AS known,
       ARRAY(SELECT id FROM target) AS free,
       (SELECT count(*) FROM taken) AS taken,
       (SELECT min(held_until) FROM taken) AS expires_at,
       ARRAY(SELECT id FROM taken ORDER BY id) AS took,
       ARRAY(SELECT held_until FROM taken ORDER BY id) AS took_until
FROM verdict v, elsewhere h
"""

# Params: seat, user, now. One row per existing seat: the released seat's columns when it
# was released (else NULLs), and its state before, which says why not.
RELEASE: Final = """
WITH released AS (
    UPDATE seats s
    SET status = 'AVAILABLE', held_by = NULL, held_until = NULL, order_id = NULL,
        version = s.version + 1, updated_at = %(now)s
    WHERE s.id = %(seat)s AND s.status = 'LOCKED' AND s.held_by = %(user)s
      AND s.held_until > %(now)s AND s.order_id IS NULL
    RETURNING s.id, s.event_id
), notified AS (
    SELECT pg_notify('seat_changes', json_build_object(
               'e', r.event_id, 'c', json_build_array(json_build_array(r.id, 'AVAILABLE', NULL))
           )::text)
    FROM released r
)
SELECT s.id, s.event_id, s.section, s."row", s.number, s.price_minor,
       s.status, s.held_by, s.held_until, s.order_id,
       (SELECT count(*) FROM released) AS released,
       (SELECT count(*) FROM notified) AS notified,
       s.accessible, s.gap_before
FROM seats s
WHERE s.id = %(seat)s
"""

# Params: event. No row: no such event (or a draft, which buyers do not see); one row of NULL
# seat columns: an event without seats.
SEAT_MAP: Final = """
SELECT s.id, e.id, s.section, s."row", s.number, s.price_minor, s.status, s.held_until,
       s.accessible, s.gap_before
FROM events e LEFT JOIN seats s ON s.event_id = e.id
WHERE e.id = %(event)s AND e.status <> 'DRAFT'
"""

# The same in chunks for ``MapWriter``: by section and row in byte order, which for UTF-8 is
# code point order, Python's (whatever the database's own collation).
SEAT_MAP_ORDERED: Final = (
    SEAT_MAP
    + """ORDER BY s.section COLLATE "C", s."row" COLLATE "C"
"""
)


_ANSWER = (  # "found" would be PL/pgSQL's own FOUND, set by every SELECT INTO
    "seats_found, events, event_id, on_sale, upcoming, held, event_status, starts_at,"
    " sales_start_at, sales_end_at, known, free, taken, expires_at"
)


def _hold_in_loop() -> str:
    """``HOLD`` as a statement of the batch function's loop: its parameters are the loop's
    variables, and its row goes into the function's answer (``_ANSWER``) and what it took."""
    body = HOLD
    for name, variable in (
        ("ids", "v_ids"),
        ("user", "v_user"),
        ("now", "v_now"),
        ("until", "v_until"),
        ("room", "v_room"),
    ):
        body = body.replace(f"%({name})s", variable)
    assert "%(" not in body
    last = "\nFROM verdict v, elsewhere h\n"
    assert body.endswith(last)
    return body.removesuffix(last) + f"\nINTO {_ANSWER}, v_took, v_took_until{last}"


# Several holds in one statement and one transaction (``PgSeatStore`` gathers the holds that
# arrive while its connections are busy). Each request is taken in turn exactly as ``HOLD``
# takes it alone, after its user's hold lock; each statement of a PL/pgSQL function sees what
# committed before it and what the earlier requests of the batch wrote, so the per-user cap
# counts them. Requests come sorted by user, so two batches take the user locks in the same
# order and cannot deadlock. The seats taken are announced to live seat maps at the end, in
# notices of up to 50 seats per event (``live``'s payloads on ``live.CHANNEL``), sent only if
# the transaction commits. Created per connection in ``pg_temp`` (no schema change; any role
# may). Params: users text[], ids uuid[] (every request's seats, one after another), counts
# int[] (seats per request), now timestamp[], until timestamp[], room int[]. One row per
# request, in order, with ``HOLD``'s columns up to ``expires_at``.
HOLDS_FUNCTION: Final = f"""
CREATE OR REPLACE FUNCTION pg_temp.seatguard_holds(
    p_users text[], p_ids uuid[], p_counts int[],
    p_now timestamp[], p_until timestamp[], p_room int[]
) RETURNS TABLE (
    seats_found bigint, events bigint, event_id uuid, on_sale boolean, upcoming boolean,
    held bigint, event_status varchar, starts_at timestamp, sales_start_at timestamp,
    sales_end_at timestamp, known uuid[], free uuid[], taken bigint, expires_at timestamp
) LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    v_first int := 1;
    v_ids uuid[];
    v_user text;
    v_now timestamp;
    v_until timestamp;
    v_room int;
    v_took uuid[];
    v_took_until timestamp[];
    v_seats uuid[] := '{{}}';
    v_events uuid[] := '{{}}';
    v_untils timestamp[] := '{{}}';
BEGIN
    FOR i IN 1 .. cardinality(p_users) LOOP
        v_ids := p_ids[v_first : v_first + p_counts[i] - 1];
        v_first := v_first + p_counts[i];
        v_user := p_users[i];
        v_now := p_now[i];
        v_until := p_until[i];
        v_room := p_room[i];
        PERFORM pg_advisory_xact_lock(hashtextextended('hold:' || v_user, 0));
        {_hold_in_loop()};
        RETURN NEXT;
        v_seats := v_seats || v_took;
        v_untils := v_untils || v_took_until;
        v_events := v_events || array_fill(event_id, ARRAY[cardinality(v_took)]);
    END LOOP;
    PERFORM pg_notify('seat_changes', json_build_object(
                'e', c.event_id,
                'c', json_agg(json_build_array(
                         c.id,
                         'LOCKED',
                         to_char(c.held_until, 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')
                     ) ORDER BY c.id)
            )::text)
    FROM (
        SELECT t.*, (row_number() OVER (PARTITION BY t.event_id ORDER BY t.id) - 1) / 50 AS chunk
        FROM unnest(v_seats, v_events, v_untils) AS t(id, event_id, held_until)
    ) c
    GROUP BY c.event_id, c.chunk;
END
$fn$
"""  # noqa: S608 (built from this module's constant SQL only)

HOLDS: Final = (
    "SELECT * FROM pg_temp.seatguard_holds("
    "%(users)s::text[], %(ids)s::uuid[], %(counts)s::int[], %(now)s::timestamp[],"
    " %(until)s::timestamp[], %(room)s::int[])"
)
