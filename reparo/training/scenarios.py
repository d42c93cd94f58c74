"""Role-play scenarios, authored as YAML files in ``reparo/training/scenarios/`` (an author adds a file; no code).

Each file is checked against :data:`SCHEMA` (JSON Schema, with ``jsonschema``) and then for what a schema cannot
say (every ``next`` names a node, every score names a competency of the scenario, the start node exists). A
broken file is refused with the line of the YAML node at fault and the reason. Text shown to people carries
English and Spanish (``en:`` and ``es:``) so each user reads the scenario in their language.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"

_TEXT = {
    "type": "object",
    "properties": {"en": {"type": "string", "minLength": 1}, "es": {"type": "string", "minLength": 1}},
    "required": ["en", "es"],
    "additionalProperties": False,
}
_CODE = {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$"}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["id", "version", "title", "summary", "competencies", "pass_mark", "start", "nodes"],
    "additionalProperties": False,
    "properties": {
        "id": _CODE,
        "version": {"type": "integer", "minimum": 1},
        "title": _TEXT,
        "summary": _TEXT,
        "content_note": _TEXT,
        "competencies": {"type": "array", "items": _CODE, "minItems": 1, "uniqueItems": True},
        "pass_mark": {"type": "integer", "minimum": 1, "maximum": 100},
        "start": _CODE,
        "nodes": {
            "type": "object",
            "minProperties": 1,
            "propertyNames": _CODE,
            "additionalProperties": {
                "type": "object",
                "required": ["situation"],
                "additionalProperties": False,
                "properties": {
                    "situation": _TEXT,
                    "speaker": _TEXT,
                    "says": _TEXT,
                    "ending": {"type": "boolean"},
                    "choices": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "required": ["id", "text", "feedback", "scores"],
                            "additionalProperties": False,
                            "properties": {
                                "id": _CODE,
                                "text": _TEXT,
                                "feedback": _TEXT,
                                "scores": {
                                    "type": "object",
                                    "propertyNames": _CODE,
                                    "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 5},
                                },
                                "next": _CODE,
                            },
                        },
                    },
                },
            },
        },
    },
}


class ScenarioError(ValueError):
    """A scenario file that cannot be used: where (line) and why. ``reason`` is read in the current language."""

    def __init__(self, filename: str, line: int, reason: Any) -> None:
        self.filename, self.line, self._reason = filename, line, reason
        super().__init__(f"{filename}, line {line}: {reason}")

    @property
    def reason(self) -> str:
        return str(self._reason)


def _reason(message: str, **params: Any) -> Any:
    """A refusal reason translated when it is shown (the library is cached across requests and languages)."""
    return lazy(lambda: gettext(message) % params, str)()


class _UniqueKeyLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (YAML would silently keep the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def text(value: dict[str, str] | None) -> str:
    """The text in the current language (Spanish for Spanish users), English otherwise."""
    if not value:
        return ""
    lang = (translation.get_language() or "en").split("-")[0]
    return value.get(lang) or value.get("en", "")


@dataclass(frozen=True)
class Choice:
    id: str
    raw: dict[str, Any]

    @property
    def text(self) -> str:
        return text(self.raw["text"])

    @property
    def feedback(self) -> str:
        return text(self.raw["feedback"])

    @property
    def scores(self) -> dict[str, int]:
        return dict(self.raw.get("scores", {}))

    @property
    def total(self) -> int:
        return sum(self.scores.values())

    @property
    def next(self) -> str | None:
        return self.raw.get("next")


@dataclass(frozen=True)
class Node:
    id: str
    raw: dict[str, Any]

    @property
    def situation(self) -> str:
        return text(self.raw["situation"])

    @property
    def speaker(self) -> str:
        return text(self.raw.get("speaker"))

    @property
    def says(self) -> str:
        return text(self.raw.get("says"))

    @property
    def choices(self) -> list[Choice]:
        return [Choice(c["id"], c) for c in self.raw.get("choices", [])]

    @property
    def is_end(self) -> bool:
        return not self.raw.get("choices")

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    @property
    def best(self) -> int:
        return max((c.total for c in self.choices), default=0)


@dataclass(frozen=True)
class Scenario:
    id: str
    version: int
    raw: dict[str, Any] = field(repr=False)

    @property
    def title(self) -> str:
        return text(self.raw["title"])

    @property
    def summary(self) -> str:
        return text(self.raw["summary"])

    @property
    def content_note(self) -> str:
        return text(self.raw.get("content_note"))

    @property
    def competencies(self) -> list[str]:
        return list(self.raw["competencies"])

    @property
    def pass_mark(self) -> int:
        return int(self.raw["pass_mark"])

    @property
    def start(self) -> str:
        return str(self.raw["start"])

    def node(self, node_id: str) -> Node | None:
        raw = self.raw["nodes"].get(node_id)
        return Node(node_id, raw) if raw is not None else None


def _line_of(root: yaml.Node, path: list[Any]) -> int:
    """The (1-based) line of the YAML node at ``path`` (keys and indexes), or of its nearest parent."""
    node = root
    for step in path:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == step), None)
            if found is None:
                key = next((k for k, _v in node.value if k.value == step), None)
                return (key or node).start_mark.line + 1
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            break
    return node.start_mark.line + 1


def parse(source: str, filename: str = "<scenario>") -> Scenario:
    """Parse and check one scenario file's text; raises :class:`ScenarioError` with the line and the reason."""
    try:
        root = yaml.compose(source, Loader=_UniqueKeyLoader)
        data = yaml.load(source, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(
            filename,
            (mark.line + 1) if mark else 1,
            _reason(gettext_noop("not valid YAML: %(problem)s"), problem=problem),
        ) from None
    if root is None or not isinstance(data, dict):
        raise ScenarioError(filename, 1, _reason(gettext_noop("the file must hold a mapping (id, title, nodes, ...)")))
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "(top level)"
        raise ScenarioError(filename, _line_of(root, list(error.absolute_path)), f"{where}: {error.message}")
    nodes = data["nodes"]
    if data["start"] not in nodes:
        raise ScenarioError(
            filename,
            _line_of(root, ["start"]),
            _reason(gettext_noop("start: there is no node called %(node)r"), node=data["start"]),
        )
    declared = set(data["competencies"])
    for node_id, node in nodes.items():
        for index, choice in enumerate(node.get("choices", [])):
            path = ["nodes", node_id, "choices", index]
            target = choice.get("next")
            if target is not None and target not in nodes:
                raise ScenarioError(
                    filename,
                    _line_of(root, [*path, "next"]),
                    _reason(gettext_noop("next: there is no node called %(node)r"), node=target),
                )
            for code in choice["scores"]:
                if code not in declared:
                    raise ScenarioError(
                        filename,
                        _line_of(root, [*path, "scores", code]),
                        _reason(gettext_noop("scores: %(code)r is not one of this scenario's competencies"), code=code),
                    )
    if not any(not node.get("choices") for node in nodes.values()):
        raise ScenarioError(
            filename, _line_of(root, ["nodes"]), _reason(gettext_noop("nodes: the scenario needs at least one ending"))
        )
    stuck = _without_ending(data["start"], nodes)
    if stuck is not None:
        raise ScenarioError(
            filename,
            _line_of(root, ["nodes", stuck]),
            _reason(gettext_noop("nodes/%(node)s: no ending can be reached from this node"), node=stuck),
        )
    return Scenario(id=data["id"], version=data["version"], raw=data)


def _without_ending(start: str, nodes: dict[str, Any]) -> str | None:
    """The first node reachable from ``start`` from which no ending can be reached (a player would be stuck), or
    None. An ending is a node without choices, or a choice without ``next`` (it ends the attempt)."""
    targets = {node_id: [c.get("next") for c in node.get("choices") or []] for node_id, node in nodes.items()}
    finishing = {node_id for node_id, nexts in targets.items() if not nexts or None in nexts}
    changed = True
    while changed:
        changed = False
        for node_id, nexts in targets.items():
            if node_id not in finishing and any(n in finishing for n in nexts):
                finishing.add(node_id)
                changed = True
    order, seen = [start], {start}
    for node_id in order:
        if node_id not in finishing:
            return node_id
        for target in targets[node_id]:
            if target is not None and target not in seen:
                seen.add(target)
                order.append(target)
    return None


def parse_file(path: Path) -> Scenario:
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(path.name, 1, _reason(gettext_noop("the file is not UTF-8 text"))) from None
    scenario = parse(source, path.name)
    if scenario.id != path.stem:
        raise ScenarioError(
            path.name,
            1,
            _reason(gettext_noop("id: %(id)r must match the file name %(name)r"), id=scenario.id, name=path.stem),
        )
    return scenario


@dataclass(frozen=True)
class Library:
    scenarios: dict[str, Scenario]
    broken: list[ScenarioError]


@functools.lru_cache(maxsize=4)
def _load(directory: str, stamp: tuple[tuple[str, float], ...]) -> Library:
    scenarios: dict[str, Scenario] = {}
    broken: list[ScenarioError] = []
    for name, _mtime in stamp:
        try:
            scenario = parse_file(Path(directory) / name)
        except ScenarioError as exc:
            broken.append(exc)
        else:
            scenarios[scenario.id] = scenario
    return Library(scenarios=scenarios, broken=broken)


def library(directory: Path | None = None) -> Library:
    """Every scenario file in ``directory`` (re-read when a file changes); broken files are listed, not used."""
    directory = directory or SCENARIO_DIR
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    return _load(str(directory), tuple((p.name, p.stat().st_mtime) for p in files))


def scenario_get(scenario_id: str) -> Scenario | None:
    return library().scenarios.get(scenario_id)
