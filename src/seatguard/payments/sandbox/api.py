"""The subset of Stripe's HTTP API that SeatGuard uses, form-encoded like Stripe's."""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from seatguard.payments.sandbox.core import Sandbox, get_sandbox
from seatguard.payments.sandbox.errors import SandboxError
from seatguard.payments.sandbox.forms import decode_form
from seatguard.payments.sandbox.objects import (
    API_VERSION,
    event_json,
    list_json,
    payment_intent_json,
    refund_json,
    session_json,
)
from seatguard.payments.sandbox.records import new_id


def _key_from(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):  # binascii.Error, non-ASCII text
            return None
    return None


async def authenticate(
    request: Request, sandbox: Annotated[Sandbox, Depends(get_sandbox)]
) -> Sandbox:
    """The API key check, on the event loop: a dependency run in the threadpool would leave the
    API unable to answer while the same process's threads wait on it (the booking service's
    checkouts call its own sandbox over HTTP from threadpool threads)."""
    key = _key_from(request.headers.get("authorization"))
    if sandbox.api_key is None:
        return sandbox
    if key is None:
        raise SandboxError(
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth "
            "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            status_code=401,
        )
    if key != sandbox.api_key:
        shown = f"{key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}" if len(key) > 12 else "****"
        raise SandboxError(f"Invalid API Key provided: {shown}", status_code=401)
    return sandbox


SandboxDep = Annotated[Sandbox, Depends(authenticate)]
Tx = Session | None
# The Stripe API routes and their dependencies run on the event loop (their work is a short
# database statement): the booking service calls this API from its own threadpool, so an API
# route waiting for a thread of that pool could wait for ever under load.
router = APIRouter()


def stripe_response(
    body: dict[str, Any], *, status_code: int = 200, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        body,
        status_code=status_code,
        headers={
            "Request-Id": new_id("req_", 14),
            "Stripe-Version": API_VERSION,
            **(headers or {}),
        },
    )


async def _idempotent(request: Request, sandbox: Sandbox, run: Any) -> JSONResponse:
    """Run a POST once per ``Idempotency-Key``; replay the saved answer for the same key.

    The answer is saved in the same transaction as the change it reports, so two processes
    given the same key concurrently make one change: the second fails on the key's primary
    key, rolls back, and replays the first's answer."""
    body = await request.body()
    key = request.headers.get("idempotency-key")
    params = decode_form(body)
    request_info: dict[str, str | None] = {"id": new_id("req_", 14), "idempotency_key": key}
    if key is None:
        return stripe_response(run(params, request_info, None))
    fingerprint = json.dumps([request.method, request.url.path, params], sort_keys=True)
    store = sandbox.store
    for _ in range(2):
        try:
            with store.transaction() as tx:
                saved = store.saved_answer(tx, key)
                if saved is not None:
                    replay = (saved.fingerprint, saved.status_code, dict(saved.body))
                else:
                    result: dict[str, Any] = run(params, request_info, tx)
                    store.save_answer(
                        tx, key=key, fingerprint=fingerprint, body=result, now=sandbox.now()
                    )
        except IntegrityError:
            continue  # the same key, committed by another request meanwhile: replay it
        if saved is None:
            return stripe_response(result, headers={"Idempotency-Key": key})
        if replay[0] != fingerprint:
            raise SandboxError(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                type="idempotency_error",
            )
        return stripe_response(
            replay[2], status_code=replay[1], headers={"Idempotent-Replayed": "true"}
        )
    raise SandboxError("This request conflicted with another; try again.", status_code=409)


@router.post("/v1/checkout/sessions")
async def create_session(request: Request, sandbox: SandboxDep) -> JSONResponse:
    def run(params: dict[str, Any], _info: dict[str, str | None], tx: Tx) -> dict[str, Any]:
        record = sandbox.store.create_session(params, now=sandbox.now(), tx=tx)
        return session_json(record, pay_base_url=sandbox.store.pay_base_url)

    return await _idempotent(request, sandbox, run)


@router.get("/v1/checkout/sessions/{session_id}")
async def retrieve_session(session_id: str, sandbox: SandboxDep) -> JSONResponse:
    record = sandbox.store.session(session_id, now=sandbox.now())
    return stripe_response(session_json(record, pay_base_url=sandbox.store.pay_base_url))


@router.post("/v1/checkout/sessions/{session_id}/expire")
async def expire_session(session_id: str, request: Request, sandbox: SandboxDep) -> JSONResponse:
    def run(_params: dict[str, Any], info: dict[str, str | None], tx: Tx) -> dict[str, Any]:
        record = sandbox.store.expire_session(session_id, now=sandbox.now(), request=info, tx=tx)
        return session_json(record, pay_base_url=sandbox.store.pay_base_url)

    return await _idempotent(request, sandbox, run)


@router.post("/v1/refunds")
async def create_refund(request: Request, sandbox: SandboxDep) -> JSONResponse:
    def run(params: dict[str, Any], _info: dict[str, str | None], tx: Tx) -> dict[str, Any]:
        return refund_json(sandbox.store.create_refund(params, now=sandbox.now(), tx=tx))

    return await _idempotent(request, sandbox, run)


@router.get("/v1/refunds/{refund_id}")
async def retrieve_refund(refund_id: str, sandbox: SandboxDep) -> JSONResponse:
    return stripe_response(refund_json(sandbox.store.refund(refund_id)))


@router.get("/v1/payment_intents/{intent_id}")
async def retrieve_payment_intent(intent_id: str, sandbox: SandboxDep) -> JSONResponse:
    return stripe_response(payment_intent_json(sandbox.store.payment_intent(intent_id)))


@router.get("/v1/events")
async def list_events(
    request: Request, sandbox: SandboxDep, type: str | None = None, limit: int = 10
) -> JSONResponse:
    if not 1 <= limit <= 100:
        raise SandboxError("Invalid limit: must be between 1 and 100", param="limit")
    events, has_more = sandbox.events.latest(type=type, limit=limit)
    data = [event_json(e) for e in events]
    return stripe_response(list_json(data, url=request.url.path, has_more=has_more))


@router.get("/v1/events/{event_id}")
async def retrieve_event(event_id: str, sandbox: SandboxDep) -> JSONResponse:
    return stripe_response(event_json(sandbox.events.event(event_id)))


@router.post("/sandbox/events/{event_id}/redeliver", status_code=202)
def redeliver(event_id: str, sandbox: SandboxDep) -> JSONResponse:
    sandbox.redeliver(event_id)
    return stripe_response({"redelivering": event_id}, status_code=202)


@router.post("/sandbox/deliver-pending", status_code=202)
def deliver_pending(sandbox: SandboxDep) -> JSONResponse:
    return stripe_response(
        {"delivering": sandbox.dispatcher.deliver_pending_now()}, status_code=202
    )


@router.post("/sandbox/expire-due")
def expire_due(sandbox: SandboxDep) -> JSONResponse:
    return stripe_response({"expired": sandbox.expire_due()})
