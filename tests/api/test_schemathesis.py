"""Schemathesis against the schema the API serves, in-process (WSGI), with seeded tokens: no input, valid or not,
makes a server error, and every answer matches what the schema says (status codes, content types, bodies).

Every default check runs but one: "schema-valid data is accepted". Rules that OpenAPI 3.0 cannot say — an identified
HTCDS file needs a recipient, a date cannot be in the future, a referral moves only as its state allows, a decline
for "another reason" needs a note — are answered 400 with problem details, as the pages refuse them.

Each operation is called with a token that holds its scope, and now and then with an object that exists (the
referral sent to the partner, the published release, a program that takes the partner's referrals), so that every
operation gets past the token and its scope and the writes reach their services (checked at the end).

Bounded: a fixed number of examples per operation and generation mode, derandomised, no deadline."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

pytestmark = pytest.mark.django_db

EXAMPLES = 25


@pytest.fixture
def wsgi_app() -> Iterator[Any]:
    """Django's own WSGI application, in this thread and this test's transaction: the signal that closes old
    connections around each request is off while it runs (the test client does the same)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _run(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    known: dict[str, Any],
    failures: list[str],
    answered: Counter[int],
    per_operation: defaultdict[str, Counter[int]],
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers), use_known=st.booleans())
    def check(case: Any, use_known: bool) -> None:
        # Now and then, an object that exists (and is the token's own) -- in positive mode only: in negative mode the
        # part schemathesis broke on purpose may be the very id or program, and putting a good one back would make
        # the case valid while schemathesis still expects it refused.
        if use_known and mode == GenerationMode.POSITIVE:
            if case.path_parameters and "id" in case.path_parameters:
                case.path_parameters["id"] = known["id"]
            if isinstance(case.body, dict) and "program" in case.body and known.get("program") is not None:
                case.body["program"] = known["program"]  # a program that takes the partner's referrals
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        answered[response.status_code] += 1
        per_operation[operation.label][response.status_code] += 1

    try:
        check()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # nothing to get wrong: an operation that takes no input at all
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation is tried, failures reported together
        failures.append(f"{operation.label} [{mode.value}] {type(exc).__name__}: {str(exc)[:3000]}")


@override_settings(API_RATE_LIMIT_PER_MINUTE=1_000_000)
def test_it_answers_every_input_as_the_schema_says_and_never_with_a_server_error(
    api: Any, world: Any, wsgi_app: Any
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operator = ("/api/v1/htcds/", "/api/v1/releases/")
    known = {
        "partner": {"id": str(api.referral.pk), "program": world.program.pk},
        "operator": {"id": str(api.release.pk)},
    }
    failures: list[str] = []
    answered: Counter[int] = Counter()
    per_operation: defaultdict[str, Counter[int]] = defaultdict(Counter)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        side = "operator" if operation.path.startswith(operator) else "partner"
        made = api.operator if side == "operator" else api.partner
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, made.headers, known[side], failures, answered, per_operation)
    assert not failures, "\n\n".join(failures)
    # Every operation was called with a token that may call it: each got past the token and its scope.
    assert {op.label for op in operations} == set(per_operation)
    for label, statuses in per_operation.items():
        assert set(statuses) - {401, 403, 429}, (label, statuses)
    # and the writes reached their services: a referral in was made, a referral accepted.
    assert per_operation["POST /api/v1/incoming-referrals/"][201] >= 1, per_operation
    assert per_operation["POST /api/v1/referrals/{id}/accept/"][200] >= 1, per_operation
    # It reached the views, not only the checks in front of them: things were found, read and refused.
    assert answered[200] > 50 and answered[404] > 10 and answered[400] > 50, answered
