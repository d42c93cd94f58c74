"""The OpenAPI 3 schema at /api/schema/: valid, and saying for every operation how it authenticates and which
errors it answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from django.urls import reverse
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client: Any) -> dict[str, Any]:
    response = api_client.get(reverse("api:schema") + "?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_it_is_a_valid_openapi_3_schema(schema: dict[str, Any]) -> None:
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on anything the OpenAPI 3 JSON schema refuses


def test_it_is_served_as_yaml_too(api_client: Any) -> None:
    response = api_client.get(reverse("api:schema"))
    assert yaml.safe_load(response.content)["info"]["title"] == "Reparo API"


def test_every_operation_needs_the_token_and_documents_its_errors(schema: dict[str, Any]) -> None:
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "rpt_<key>_<secret>",
        "description": schema["components"]["securitySchemes"]["token"]["description"],
    }  # fmt: skip
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) == 14
    for path, method, op in operations:
        assert op["security"] == [{"token": []}], (path, method)
        for code in ("400", "401", "429"):
            assert "application/problem+json" in op["responses"][code]["content"], (path, method, code)
        assert op["operationId"] and op["summary"]


def test_every_referral_move_has_its_own_operation_and_body(schema: dict[str, Any]) -> None:
    from reparo.api.views import REFERRAL_MOVES

    bodies = {}
    for move in REFERRAL_MOVES:
        operation = schema["paths"][f"/api/v1/referrals/{{id}}/{move.path}/"]["post"]
        assert (operation["operationId"], operation["summary"]) == (move.name, move.summary)
        assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "429"}
        bodies[move.path] = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert bodies == {
        "accept": "#/components/schemas/MoveBodyRequest",
        "decline": "#/components/schemas/DeclineBodyRequest",  # the reason is required only here
        "in-service": "#/components/schemas/MoveBodyRequest",
        "completed": "#/components/schemas/MoveBodyRequest",
    }
    assert "reason_code" in schema["components"]["schemas"]["DeclineBodyRequest"]["required"]
