"""The API's reference page, read from the same OpenAPI schema that ``/api/schema/`` serves."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Field:
    name: str
    where: str
    kind: str
    required: bool
    description: str


@dataclass(frozen=True)
class Answer:
    status: str
    media: str
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    anchor: str
    fields: list[Field] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)


@dataclass(frozen=True)
class Group:
    tag: str
    operations: list[Operation]


def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    return node


def _kind(spec: dict[str, Any], node: dict[str, Any]) -> str:
    node = _resolve(spec, node)
    if "enum" in node:
        return " | ".join(str(v) for v in node["enum"] if v not in ("", None)) or "string"
    if "allOf" in node:
        return " | ".join(_kind(spec, part) for part in node["allOf"])
    if node.get("type") == "array":
        return f"list of {_kind(spec, node.get('items', {}))}"
    return str(node.get("format") or node.get("type") or "object")


def _fields(spec: dict[str, Any], operation: dict[str, Any]) -> list[Field]:
    found = [
        Field(
            name=p["name"],
            where=p["in"],
            kind=_kind(spec, p.get("schema", {})),
            required=bool(p.get("required")),
            description=p.get("description", ""),
        )
        for p in operation.get("parameters", [])
    ]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if body:
        resolved = _resolve(spec, body)
        required = set(resolved.get("required", []))
        for name, node in resolved.get("properties", {}).items():
            found.append(
                Field(
                    name,
                    "body",
                    _kind(spec, node),
                    name in required,
                    _resolve(spec, node).get("description", node.get("description", "")),
                )
            )
    return found


@functools.lru_cache(maxsize=8)
def reference(language: str) -> list[Group]:
    """Each operation of the schema, grouped by its tag, in the schema's order (read once per process and language:
    the field descriptions are translated)."""
    spec = schema()
    groups: dict[str, list[Operation]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            answers = [
                Answer(code, ", ".join(answer.get("content", {})), answer.get("description", ""))
                for code, answer in operation.get("responses", {}).items()
            ]
            groups.setdefault((operation.get("tags") or ["api"])[0], []).append(
                Operation(
                    method=method.upper(),
                    path=path,
                    summary=operation.get("summary", ""),
                    description=operation.get("description", ""),
                    anchor=operation.get("operationId", f"{method}-{path}"),
                    fields=_fields(spec, operation),
                    answers=answers,
                )
            )
    return [Group(tag, operations) for tag, operations in groups.items()]
