"""The kept seat map, changed only by announcements, is the map a fresh read gives."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import threading
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seatguard.booking import kept_map, map_cache
from seatguard.booking.map_cache import SeatMapCache, write_map
from seatguard.booking.seatmap import (
    MapRow,
    MapSeat,
    RowSink,
    in_map_order,
    map_seat,
    rows_in_map_order,
)

EVENT = uuid.uuid4()
START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

layouts = st.lists(
    st.tuples(
        st.sampled_from(["FLOOR", 'Tribuna "Sur"', "Platea Baja \u00f1", "A\\B"]),
        st.sampled_from(["A", "B", "Z\u00b2"]),
        st.integers(1, 40),
        st.integers(100, 99_999),
        st.booleans(),
        st.integers(0, 3),
    ),
    min_size=0,
    max_size=12,
    unique_by=lambda t: (t[0], t[1], t[2]),
)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(0, 11), st.integers(-2, 20)),
        st.tuples(st.sampled_from(["sell", "free", "operator_lock"]), st.integers(0, 11)),
        st.tuples(st.just("tick"), st.integers(1, 16)),
        st.tuples(st.just("read")),
    ),
    max_size=40,
)


class Model:
    """The seats table of one event, as columns: status and held_until."""

    def __init__(self, layout: list[tuple[str, str, int, int, bool, int]]) -> None:
        self.rows = [(uuid.uuid4(), *spec) for spec in layout]
        self.columns: dict[uuid.UUID, tuple[str, datetime | None]] = {
            r[0]: ("AVAILABLE", None) for r in self.rows
        }

    def read(self, now: datetime) -> list[MapSeat]:
        return in_map_order(
            map_seat(
                id=sid,
                event_id=EVENT,
                section=section,
                row=row,
                number=str(number),
                price_minor=price,
                status=self.columns[sid][0],
                held_until=self.columns[sid][1],
                now=now,
                accessible=accessible,
                gap_before=gap,
            )
            for sid, section, row, number, price, accessible, gap in self.rows
        )

    def stored(self) -> list[MapRow]:
        """The rows a store reads (hold ends naive UTC, as stored), in map order."""
        return rows_in_map_order(self._stored())

    def read_into(self, into: RowSink, chunk: int = 3) -> None:
        """The rows as a store's chunked read gives them: by section and row in code point
        order, a row's seats in no particular order (here: against the map's)."""
        rows = sorted(self._stored(), key=lambda r: (r[2], r[3], -int(r[4])))
        for start in range(0, len(rows), chunk):
            into(rows[start : start + chunk])

    def _stored(self) -> list[MapRow]:
        return [
            (sid, EVENT, section, row, str(number), price, *self._columns(sid), accessible, gap)
            for sid, section, row, number, price, accessible, gap in self.rows
        ]

    def _columns(self, sid: uuid.UUID) -> tuple[str, datetime | None]:
        status, until = self.columns[sid]
        return status, until.astimezone(UTC).replace(tzinfo=None) if until else None


def run(cache: SeatMapCache, model: Model, now: datetime, rewrite_after: float, chunk: int = 3):
    async def load(into: RowSink) -> None:
        model.read_into(into, chunk)

    return asyncio.run(cache.get(EVENT, now=now, load=load, rewrite_after=rewrite_after))


@pytest.mark.parametrize("big", [False, True], ids=["small map", "big map"])
@settings(max_examples=60, deadline=None)
@given(layout=layouts, actions=steps, micro=st.integers(0, 999_999), chunk=st.integers(1, 13))
def test_announced_changes_applied_to_the_kept_map_give_a_fresh_reads_map(
    big: bool, layout, actions, micro: int, chunk: int, monkeypatch_module
) -> None:
    monkeypatch_module.setattr(map_cache, "_WRITE_INLINE", 0 if big else 10_000)
    model, cache = Model(layout), SeatMapCache()
    now = START.replace(microsecond=micro)
    run(cache, model, now, 0.0, chunk)
    for action in [*actions, ("read",)]:
        if action[0] == "tick":
            now += timedelta(minutes=action[1])
            continue
        if action[0] != "read" and model.rows:
            sid = model.rows[action[1] % len(model.rows)][0]
            status, until = {
                "hold": ("LOCKED", now + timedelta(minutes=action[-1], microseconds=micro)),
                "sell": ("SOLD", None),
                "free": ("AVAILABLE", None),
                "operator_lock": ("LOCKED", None),
            }[action[0]]
            model.columns[sid] = (status, until)
            cache.apply(EVENT, [(sid, status, until)])  # as the feed delivers it
        served = run(cache, model, now, 0.0)
        fresh = write_map(model.read(now))
        assert served.body() == fresh.body()
        assert served.etag == fresh.etag
        assert sorted(served.taken) == sorted(fresh.taken)
        assert cache.taken_now(EVENT, now=now) is not None
        assert sorted(cache.taken_now(EVENT, now=now) or ()) == sorted(fresh.taken)
    assert cache.reads == 1  # the event was read once; every change was applied


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_a_change_heard_while_the_event_is_read_waits_for_that_read() -> None:
    """Many readers and changes while the one read runs: one read, then the changes applied."""
    model, cache = Model([("FLOOR", "A", n, 1000, False, 0) for n in range(1, 9)]), SeatMapCache()
    started, release = threading.Event(), threading.Event()
    running = 0
    most = 0

    async def load(into: RowSink) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.set()
        await asyncio.to_thread(release.wait, 10)
        running -= 1
        into(model.stored())  # the read's snapshot: before the changes below

    async def scenario():
        readers = [asyncio.create_task(cache.get(EVENT, now=START, load=load)) for _ in range(20)]
        await asyncio.to_thread(started.wait, 10)
        for sid, *_ in model.rows[:3]:
            cache.apply(EVENT, [(sid, "SOLD", None)])
            model.columns[sid] = ("SOLD", None)
            readers.append(asyncio.create_task(cache.get(EVENT, now=START, load=load)))
        release.set()
        first = await asyncio.gather(*readers)
        return first, await cache.get(EVENT, now=START, load=load)

    first, after = asyncio.run(scenario())
    assert (cache.reads, most) == (1, 1)
    assert len({w.etag for w in first}) == 1  # all served the one read
    assert after.body() == write_map(model.read(START)).body()


def test_a_big_map_is_written_once_per_interval_one_write_at_a_time(monkeypatch) -> None:
    """Changes keep coming while readers read: the writes never overlap, come at most once per
    interval, and a read never gets a map older than twice the interval."""
    monkeypatch.setattr(map_cache, "_WRITE_INLINE", 0)
    model = Model([("FLOOR", "A", n, 1000, False, 0) for n in range(1, 201)])
    cache, interval = SeatMapCache(), 0.2
    running, most, starts = 0, 0, []
    write = kept_map.KeptMap.write

    def slow_write(self, taken, level=kept_map.TIGHT):
        nonlocal running, most
        running += 1
        most = max(most, running)
        starts.append(time.monotonic())
        time.sleep(0.05)
        try:
            return write(self, taken, level)
        finally:
            running -= 1

    monkeypatch.setattr(kept_map.KeptMap, "write", slow_write)

    async def load(into: RowSink) -> None:
        into(model.stored())

    async def scenario() -> None:
        await cache.get(EVENT, now=START, load=load)
        changed: dict[str, float] = {}  # ETag of the map before a change -> when it changed
        etag = ""
        deadline = time.monotonic() + 3.0
        n = 0
        while time.monotonic() < deadline:
            sid = model.rows[n % len(model.rows)][0]
            until = START + timedelta(hours=1, seconds=n)  # every map differs: so do ETags
            n += 1
            model.columns[sid] = ("LOCKED", until)
            served = await cache.get(EVENT, now=START, load=load, rewrite_after=interval)
            if served.etag != etag:
                changed.setdefault(served.etag, time.monotonic())
                etag = served.etag
            cache.apply(EVENT, [(sid, "LOCKED", until)])
            age = time.monotonic() - changed[served.etag]
            # a bound with room for a loaded machine, still well inside the 3 s a map that was
            # never rewritten would be served for
            assert age < 2 * interval + 1.0, "a map served long after it was superseded"
            await asyncio.sleep(0.005)

    asyncio.run(scenario())
    assert most == 1
    assert cache.reads == 1
    gaps = [b - a for a, b in itertools.pairwise(starts[1:])]
    assert gaps
    assert min(gaps) >= interval - 0.01


def test_writing_a_kept_map_again_never_holds_its_json() -> None:
    """A write streams the kept buffer through gzip: it allocates far less than the JSON."""
    layout = [
        ("FLOOR", f"R{r}", n, 1000 + n, n % 9 == 0, n % 5) for r in range(100) for n in range(200)
    ]
    model = Model(layout)
    for sid, *_ in model.rows[::7]:
        model.columns[sid] = ("LOCKED", START + timedelta(minutes=5))
    fresh = write_map(model.read(START))
    kept = kept_map.KeptMap.of(model.stored(), START)
    taken = kept.snapshot(START)
    tracemalloc.start()
    try:
        packed = kept.write(taken, kept_map.FAST)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (gzip.decompress(packed[0]), packed[1]) == (fresh.body(), fresh.etag)
    # the gzip's pieces and their join, and zlib's own state: nothing the JSON's size
    bound = 2 * len(packed[0]) + 2**20
    assert len(fresh.body()) > bound
    assert peak < bound


def test_rows_out_of_section_and_row_order_are_refused() -> None:
    """A read whose order is not code point order (a locale's collation) fails loudly
    rather than keeping a map in another order than a fresh read's."""
    model = Model([("b", "A", 1, 100, False, 0), ("B", "A", 1, 100, False, 0)])
    rows = sorted(model.stored(), key=lambda r: r[2], reverse=True)  # "B" after "b"
    assert rows[0][2] == "b"
    writer = kept_map.MapWriter(START)
    with pytest.raises(ValueError, match="out of order"):
        writer.add(rows)


def test_a_big_maps_json_is_unpacked_a_piece_at_a_time() -> None:
    """A reader that takes no gzip is sent the JSON in pieces, never the whole of it at once."""
    layout = [("FLOOR", f"R{r:03}", n, 1000 + n, False, 0) for r in range(100) for n in range(200)]
    model = Model(layout)
    served = write_map(model.read(START))
    pieces = list(served.body_chunks())
    assert b"".join(pieces) == served.body()
    assert len(pieces) > 10
    assert max(len(p) for p in pieces) < len(served.body()) // 10
