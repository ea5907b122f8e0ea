"""One racing process of the seat-store race test: many concurrent holds through the store the
app serves with, its answers written as JSON lines.

``python -m tests.support.hold_race URL NOW SEATS OUT GO SEED`` (SEATS comma-separated ids):
builds the store, says "ready" on stdout, waits for the file GO, then runs ``TASKS``
coroutines of ``ROUNDS`` holds each, of one to three seats for one of ``USERS``.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import seatguard.models  # noqa: F401 - every table known to the metadata
from seatguard.booking.seat_store import SeatStore, seat_store_for
from seatguard.common.db import Database
from seatguard.common.errors import AppError

USERS = tuple(f"user-{i}" for i in range(16))
CAP = 3
TASKS = 24
ROUNDS = 8
HOLD = timedelta(minutes=15)


async def _race(
    store: SeatStore, seats: list[uuid.UUID], now: datetime, rng: random.Random, out: Path
) -> None:
    answers: list[dict[str, object]] = []

    async def buyer(plans: list[tuple[str, list[uuid.UUID]]]) -> None:
        for user, wanted in plans:
            try:
                hold = await store.hold(
                    seat_ids=wanted, user_id=user, now=now, hold_for=HOLD, max_per_event=CAP
                )
                answer: dict[str, object] = {"held": [str(s) for s in hold.seat_ids]}
            except AppError as exc:
                answer = {"refused": exc.code, "details": exc.details}
            answers.append({"user": user, "asked": [str(s) for s in wanted], **answer})

    plans = [
        [(rng.choice(USERS), rng.sample(seats, rng.randint(1, 3))) for _ in range(ROUNDS)]
        for _ in range(TASKS)
    ]
    try:
        await asyncio.gather(*(buyer(p) for p in plans))
    finally:
        await store.close()
    out.write_text("".join(json.dumps(a) + "\n" for a in answers))


def main() -> None:
    url, now, seats, out, go, seed = sys.argv[1:7]
    db = Database(url)
    store = seat_store_for(db, pool_size=4)
    print("ready", flush=True)
    while not Path(go).exists():
        time.sleep(0.01)
    seat_ids = [uuid.UUID(s) for s in seats.split(",")]
    rng = random.Random(int(seed))
    asyncio.run(_race(store, seat_ids, datetime.fromisoformat(now), rng, Path(out)))
    db.dispose()


if __name__ == "__main__":
    main()
