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
