"""Schemathesis against the schema the API serves, in-process (WSGI), with seeded tokens: no input, valid or not,
makes a server error, and every answer matches what the schema says (status codes, content types, bodies).

Every default check runs but one: "schema-valid data is accepted". Rules that OpenAPI 3.0 cannot say — an identified
HTCDS file needs a recipient, a date cannot be in the future, a referral moves only as its state allows, a decline
for "another reason" needs a note — are answered 400 with problem details, as the pages refuse them.

Bounded: a fixed number of examples per operation and generation mode, derandomised, no deadline."""

from __future__ import annotations

from collections import Counter
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
    ids: list[str],
    failures: list[str],
    answered: Counter[int],
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers), known=st.sampled_from([None, *ids]))
    def check(case: Any, known: str | None) -> None:
        if known is not None and case.path_parameters and "id" in case.path_parameters:
            case.path_parameters["id"] = known  # now and then, an object that exists (and is the token's own)
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        answered[response.status_code] += 1

    try:
        check()
    except Unsatisfiable:
        assert mode == GenerationMode.NEGATIVE  # nothing to get wrong: an operation that takes no input at all
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation is tried, failures reported together
        failures.append(f"{operation.label} [{mode.value}] {type(exc).__name__}: {str(exc)[:3000]}")


@override_settings(API_RATE_LIMIT_PER_MINUTE=1_000_000)
def test_it_answers_every_input_as_the_schema_says_and_never_with_a_server_error(api: Any, wsgi_app: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    operator = ("/api/v1/htcds/", "/api/v1/releases/")
    ids = {"partner": [str(api.referral.pk)], "operator": [str(api.release.pk)]}
    failures: list[str] = []
    answered: Counter[int] = Counter()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    for operation in operations:
        side = "operator" if operation.path.startswith(operator) else "partner"
        made = api.operator if side == "operator" else api.partner
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, made.headers, ids[side], failures, answered)
    assert not failures, "\n\n".join(failures)
    # It reached the views, not only the checks in front of them: things were found, read and refused.
    assert answered[200] > 50 and answered[404] > 10 and answered[400] > 50, answered
