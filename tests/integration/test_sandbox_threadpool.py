"""The sandbox's Stripe API answers while its process's threadpool is busy.

The booking service calls its own sandbox over HTTP from threadpool threads (a checkout is a
sync route calling the Stripe SDK). Had any of the API's routes or dependencies needed a thread
of that pool, a burst of checkouts filling it would wait for ever on answers that wait for a
thread: the booking service hung in the flash-sale benchmark that way.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio.to_thread
import httpx

from seatguard.common.db import Database
from seatguard.payments.sandbox import Sandbox, create_sandbox_app
from tests.support.sandbox import SANDBOX_KEY, WEBHOOK_SECRET

SESSION_FORM = {
    "mode": "payment",
    "success_url": "https://shop.test/ok?session_id={CHECKOUT_SESSION_ID}",
    "cancel_url": "https://shop.test/cancel",
    "customer_email": "ada@example.com",
    "line_items[0][price_data][currency]": "eur",
    "line_items[0][price_data][product_data][name]": "VIP A1",
    "line_items[0][price_data][unit_amount]": "15000",
    "line_items[0][quantity]": "1",
}


async def _with_every_thread_taken(app: Any) -> list[int]:
    limiter = anyio.to_thread.current_default_thread_limiter()
    holders = [object() for _ in range(int(limiter.total_tokens))]
    for holder in holders:
        await limiter.acquire_on_behalf_of(holder)
    try:
        auth = {"Authorization": f"Bearer {SANDBOX_KEY}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://sandbox.test", headers=auth
        ) as client:

            async def calls() -> list[int]:
                made = await client.post(
                    "/v1/checkout/sessions",
                    data=SESSION_FORM,
                    headers={"Idempotency-Key": "k-1"},
                )
                session = made.json()
                got = await client.get(f"/v1/checkout/sessions/{session['id']}")
                events = await client.get("/v1/events")
                return [made.status_code, got.status_code, events.status_code]

            return await asyncio.wait_for(calls(), timeout=10)
    finally:
        for holder in holders:
            limiter.release_on_behalf_of(holder)


def test_the_api_answers_with_every_thread_of_the_pool_taken(db: Database) -> None:
    app = create_sandbox_app(
        db=db,
        public_base_url="http://sandbox.test",
        webhook_url="http://127.0.0.1:9/webhooks",
        webhook_secret=WEBHOOK_SECRET,
        api_key=SANDBOX_KEY,
    )
    sandbox: Sandbox = app.state.sandbox
    try:
        assert asyncio.run(_with_every_thread_taken(app)) == [200, 200, 200]
    finally:
        sandbox.close()
