"""Views and templates hold no queries: a selector returns what a page needs, already limited to what the actor
may see and fetched in a fixed number of queries. A queryset method or a related manager called in a view or a
template would bypass that (and, in a template loop, query once per row)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIEW_MODULES = sorted((ROOT / "reparo").glob("*/views.py"))
TEMPLATES = sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "reparo").rglob("templates/**/*.html"))

QUERYSET_METHODS = frozenset({
    "filter", "exclude", "order_by", "all", "select_related", "prefetch_related", "annotate", "aggregate",
    "values_list", "distinct", "exists", "first", "last", "none", "only", "defer", "iterator", "get_or_create",
    "update_or_create", "bulk_create", "bulk_update", "count", "in_bulk", "latest", "earliest",
})  # fmt: skip

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
STRING = re.compile(r'"[^"]*"|\'[^\']*\'')
LOOKUP = re.compile(r"([\w.]*?)\.(all|count|exists|first|last|filter)\b")


def find_queryset_calls_in_views(paths: Iterable[Path]) -> list[str]:
    """``file:line: name`` for every call of a queryset method, on anything."""
    found = []
    for path in paths:
        for node in ast.walk(ast.parse(Path(path).read_text(), filename=str(path))):
            func = node.func if isinstance(node, ast.Call) else None
            if isinstance(func, ast.Attribute) and func.attr in QUERYSET_METHODS:
                found.append(f"{path}:{node.lineno}: {func.attr}()")
    return found


def _allowed(owner: str, name: str) -> bool:
    last_part = owner.rsplit(".", 1)[-1]
    if name == "count" and last_part == "paginator":
        return True
    return name in ("first", "last") and owner.split(".", 1)[0] == "forloop"


def find_queryset_calls_in_templates(paths: Iterable[Path]) -> list[str]:
    """``file:line: expression`` for every ``.all``, ``.count``, ``.exists``, ``.first``, ``.last``, ``.filter`` or
    ``_set.`` inside ``{{ }}`` or ``{% %}`` (except ``paginator.count`` and ``forloop.first``/``forloop.last``)."""
    found = []
    for path in paths:
        text = Path(path).read_text()
        for tag in TAG.finditer(text):
            code = STRING.sub('""', tag.group())
            line = text.count("\n", 0, tag.start()) + 1
            hits = [f"{m.group(1)}.{m.group(2)}" for m in LOOKUP.finditer(code) if not _allowed(*m.groups())]
            hits += [m.group() for m in re.finditer(r"[\w.]*_set\.\w*", code)]
            found.extend(f"{path}:{line}: {hit}" for hit in hits)
    return found


def test_it_finds_no_queryset_calls_in_views():
    assert len(VIEW_MODULES) >= 10
    assert find_queryset_calls_in_views(VIEW_MODULES) == []


def test_it_finds_no_queryset_calls_in_templates():
    assert len(TEMPLATES) >= 50
    assert find_queryset_calls_in_templates(TEMPLATES) == []


def test_it_reports_a_queryset_call_planted_in_a_view(tmp_path):
    view = tmp_path / "views.py"
    view.write_text(
        "from django.shortcuts import render\n"
        "\n"
        "def case_detail(request, pk):\n"
        "    case = selectors.case_get_for(request.user, pk)\n"
        "    return render(request, 'x.html', {'harms': case.harms.all(), 'n': things().filter(a=1).count()})\n"
    )
    assert sorted(find_queryset_calls_in_views([view])) == [
        f"{view}:5: all()",
        f"{view}:5: count()",
        f"{view}:5: filter()",
    ]


def test_it_reports_queryset_lookups_planted_in_a_template(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        "{% for h in case.harms.all %}{{ forloop.first }}{{ h }}{% if forloop.last %}.{% endif %}{% endfor %}\n"
        '{% translate "Show them all." %} {{ page.paginator.count }} items\n'
        "{{ notes.count }} {% if case.tasks.exists %}{{ case.note_set.first }}{% endif %}\n"
        "<p>Plain text: case.harms.all and page.count are not template code.</p>\n"
    )
    assert find_queryset_calls_in_templates([template]) == [
        f"{template}:1: case.harms.all",
        f"{template}:3: notes.count",
        f"{template}:3: case.tasks.exists",
        f"{template}:3: case.note_set.first",
        f"{template}:3: case.note_set.first",
    ]
