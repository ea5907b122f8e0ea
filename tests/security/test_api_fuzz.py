"""Fuzz every operation of the app's own OpenAPI schema in-process with a valid bearer token.

Schemathesis generates bodies, paths and queries (valid and invalid) from the schema; every
answer must be no 5xx, a documented status, the documented content type and a body that
matches its schema. The live seat stream is left out: it is an endless response by design.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from seatguard.app import create_app
from seatguard.common.security import Role
from tests.support.factories import make_event

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ENDLESS = ("/seats/stream",)


def fuzz(app: Any, headers: dict[str, str], *, examples: int) -> dict[str, int]:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    calls: dict[str, int] = {}
    operations = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]
        if any(operation.path.endswith(p) for p in ENDLESS):
            continue
        operations.append(operation)
    assert len(operations) > 20, "the schema lost its operations"
    for operation in operations:
        fuzz_one(operation, headers, examples=examples, calls=calls)
    return calls


def fuzz_one(operation: Any, headers: dict[str, str], *, examples: int, calls: dict) -> None:
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = data.draw(operation.as_strategy())
        case.call_and_validate(headers=headers, checks=CHECKS)
        calls[label] = calls.get(label, 0) + 1

    run()


@pytest.fixture
def fuzz_app(settings, db, clock):
    make_event(db, now=clock())
    return create_app(settings, db=db, clock=clock)


def _as(auth_header: Callable[..., dict[str, str]], role: Role) -> dict[str, str]:
    return auth_header("fuzzer", role=role, email="fuzzer@example.com")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_operation_survives_fuzzing_as_a_customer(fuzz_app, auth_header):
    calls = fuzz(fuzz_app, _as(auth_header, Role.CUSTOMER), examples=8)
    assert sum(calls.values()) >= 8 * 20


@pytest.mark.slow
def test_every_operation_survives_a_long_fuzz_as_customer_and_admin(fuzz_app, auth_header):
    for role in (Role.CUSTOMER, Role.ADMIN):
        calls = fuzz(fuzz_app, _as(auth_header, role), examples=60)
        assert sum(calls.values()) >= 60 * 20


def test_the_schema_names_every_operation_once(settings, db, clock):
    """Client generators and fuzzers key operations by id; a duplicate hides one of them."""
    schema = create_app(settings, db=db, clock=clock).openapi()
    ids = [
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    ]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
