"""House rule: only reparo/core/html.py makes text into HTML that Django will not escape again.

Everywhere else, markup is built with its ``HtmlTemplate`` (a string literal, values escaped), ``text`` and
``html_join``. :func:`find_unsafe_marking` reads the code (AST) and the templates and names every way around that:

- calling or importing ``mark_safe``, ``SafeText`` (or referring to them at all: ``@mark_safe``), Django's
  ``format_html``, ``format_html_join`` and ``html_safe``;
- calling ``SafeString(...)``, importing it from anywhere but reparo.core.html, or importing it under another name;
- a class built on ``SafeData``/``SafeString`` or defining ``__html__`` (Django trusts either as HTML);
- an ``HtmlTemplate`` made from anything but one string literal (text from outside would become markup);
- in a template, ``|safe``, ``|safeseq``, ``{% autoescape off %}`` or ``{% filter safe %}``, except the uses
  listed, with their reason, in ``ALLOWED_IN_TEMPLATES``.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML_MODULE = ROOT / "reparo" / "core" / "html.py"
TEMPLATE_SUFFIXES = {".html", ".txt", ".xml", ".svg"}

NEVER = {"mark_safe", "SafeText", "format_html", "format_html_join", "html_safe"}
SAFE_TYPES = {"SafeData", "SafeString", "SafeText"}

# (template, the tag exactly as written, whitespace collapsed) -> why it is safe. Each may be used once.
ALLOWED_IN_TEMPLATES = {
    ("templates/accounts/two_factor_setup.html", "{{ qr_svg|safe }}"): (
        "segno's SVG drawing of the sign-in QR code, made by the view from the device's key: only path "
        "elements, no text from the request or a person (segno writes a title or description only if asked)"
    ),
    ("templates/accounts/email/password_reset.txt", "{% autoescape off %}"): (
        "a plain-text e-mail, not HTML: escaping would garble its link (& as &amp;); it holds only translated "
        "sentences and the reset link Django builds from the site's domain and a token"
    ),
}

TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
UNSAFE_TAG = re.compile(r"\|\s*safe(seq)?\b|^\{%\s*autoescape\s+off\b|^\{%\s*filter\b.*\bsafe(seq)?\b", re.DOTALL)


def project_paths() -> list[Path]:
    """Every module under reparo/ and every template file of the project."""
    modules = sorted((ROOT / "reparo").rglob("*.py"))
    templates = [
        p
        for folder in [ROOT / "templates", *sorted((ROOT / "reparo").glob("*/templates"))]
        for p in sorted(folder.rglob("*"))
        if p.suffix in TEMPLATE_SUFFIXES
    ]
    return [p for p in modules if "migrations" not in p.parts] + templates


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _module_offences(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in NEVER:
                    found.append((node.lineno, f"imports {alias.name}"))
                elif alias.name == "SafeString" and node.module != "reparo.core.html":
                    found.append((node.lineno, f"imports SafeString from {node.module} (use reparo.core.html's)"))
                elif alias.name == "SafeString" and alias.asname:
                    found.append((node.lineno, f"imports SafeString as {alias.asname}"))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, f"imports {a.name}") for a in node.names if a.name.endswith(".safestring")]
        elif isinstance(node, ast.Name | ast.Attribute) and _name(node) in NEVER:
            found.append((node.lineno, f"uses {_name(node)}"))
        elif isinstance(node, ast.Call) and _name(node.func) in SAFE_TYPES:
            found.append((node.lineno, f"calls {_name(node.func)}()"))
        elif isinstance(node, ast.Call) and _name(node.func) == "HtmlTemplate":
            literal = (
                len(node.args) == 1
                and not node.keywords
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            )
            if not literal:
                found.append((node.lineno, "makes an HtmlTemplate from something other than a string literal"))
        elif isinstance(node, ast.ClassDef) and any(_name(b) in SAFE_TYPES for b in node.bases):
            found.append((node.lineno, f"class {node.name} is built on a safe-string type"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "__html__":
            found.append((node.lineno, "defines __html__"))
        elif isinstance(node, ast.Assign) and any(_name(t) == "__html__" for t in node.targets):
            found.append((node.lineno, "assigns __html__"))
    return found


def _template_offences(path: Path, source: str, allowed: dict[tuple[str, str], str]) -> list[tuple[int, str]]:
    try:
        relative = path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        relative = str(path)
    found, used = [], Counter()
    for match in TAG.finditer(source):
        tag = " ".join(match.group().split())
        if not UNSAFE_TAG.search(tag):
            continue
        used[tag] += 1
        if (relative, tag) not in allowed or used[tag] > 1:
            found.append((source.count("\n", 0, match.start()) + 1, f"turns escaping off: {tag}"))
    return found


def find_unsafe_marking(
    paths: Iterable[Path], *, allowed: dict[tuple[str, str], str] = ALLOWED_IN_TEMPLATES
) -> list[str]:
    """``path:line: what`` for every place in ``paths`` (modules and templates) that marks text as HTML other
    than through reparo/core/html.py."""
    offences = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        if path.suffix == ".py":
            if path.resolve() == HTML_MODULE:
                continue
            found = _module_offences(ast.parse(source, filename=str(path)))
        else:
            found = _template_offences(path, source, allowed)
        offences += [f"{path}:{line}: {what}" for line, what in sorted(found)]
    return offences


def test_it_finds_no_unsafe_marking_in_the_project():
    assert find_unsafe_marking(project_paths()) == []


def test_it_reads_the_whole_project():
    paths = {p.relative_to(ROOT).as_posix() for p in project_paths()}
    assert {
        "reparo/cases/templatetags/case_list.py",
        "reparo/analytics/charts.py",
        "reparo/core/widgets.py",
        "reparo/core/html.py",
        "templates/accounts/two_factor_setup.html",
    } <= paths
    assert len([p for p in paths if p.startswith("templates/")]) > 50


def test_every_allowed_template_use_is_still_there():
    """An exception whose template changed or went away is removed, not kept for a later one to hide behind."""
    for relative, tag in ALLOWED_IN_TEMPLATES:
        source = (ROOT / relative).read_text(encoding="utf-8")
        assert tag in [" ".join(m.group().split()) for m in TAG.finditer(source)], (relative, tag)


PLANTED_MODULES = {
    "from django.utils.safestring import mark_safe\n\nx = mark_safe('<b>' + name + '</b>')\n": [
        "1: imports mark_safe",
        "3: uses mark_safe",
    ],
    "from django.utils import safestring\n\nx = safestring.mark_safe(name)\n": ["3: uses mark_safe"],
    "import django.utils.safestring\n": ["1: imports django.utils.safestring"],
    "from django.utils.safestring import SafeString\n\nx = SafeString(name)\n": [
        "1: imports SafeString from django.utils.safestring (use reparo.core.html's)",
        "3: calls SafeString()",
    ],
    "from reparo.core.html import SafeString\n\nx = SafeString(name)\n": ["3: calls SafeString()"],
    "from reparo.core.html import SafeString as Trusted\n": ["1: imports SafeString as Trusted"],
    "from django.utils.safestring import SafeText\n": ["1: imports SafeText"],
    "from django.utils.html import format_html\n\nx = format_html(name)\n": [
        "1: imports format_html",
        "3: uses format_html",
    ],
    "from django.utils import html\n\n@html.html_safe\nclass Shown:\n    pass\n": ["3: uses html_safe"],
    "from django.utils.safestring import SafeData\n\nclass Trusted(str, SafeData):\n    pass\n": [
        "3: class Trusted is built on a safe-string type"
    ],
    "class Shown:\n    def __html__(self):\n        return self.name\n": ["2: defines __html__"],
    "from reparo.core.html import HtmlTemplate\n\nROW = HtmlTemplate(request.GET['t'])\n": [
        "3: makes an HtmlTemplate from something other than a string literal"
    ],
    "from reparo.core.html import HtmlTemplate\n\nROW = HtmlTemplate('<b>' + label + '</b>')\n": [
        "3: makes an HtmlTemplate from something other than a string literal"
    ],
}


@pytest.mark.parametrize("source", PLANTED_MODULES)
def test_it_reports_a_module_that_marks_text_as_html(source, tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(source)
    assert find_unsafe_marking([planted]) == [f"{planted}:{where}" for where in PLANTED_MODULES[source]]


def test_it_leaves_alone_a_module_that_escapes():
    """tests/architecture/planted/clean.py: HTML made the allowed ways, and names that only look alike."""
    assert find_unsafe_marking([Path(__file__).parent / "planted" / "clean.py"]) == []


PLANTED_TEMPLATES = {
    "<p>{{ note.body|safe }}</p>": "turns escaping off: {{ note.body|safe }}",
    "<p>{{ names | safeseq | join:', ' }}</p>": "turns escaping off: {{ names | safeseq | join:', ' }}",
    "<p>{{ x|default:''|safe }}</p>": "turns escaping off: {{ x|default:''|safe }}",
    "{% autoescape off %}{{ x }}{% endautoescape %}": "turns escaping off: {% autoescape off %}",
    "{% filter force_escape|safe %}{{ x }}{% endfilter %}": "turns escaping off: {% filter force_escape|safe %}",
    "{% filter safe %}{{ x }}{% endfilter %}": "turns escaping off: {% filter safe %}",
}


@pytest.mark.parametrize("source", PLANTED_TEMPLATES)
def test_it_reports_a_template_that_turns_escaping_off(source, tmp_path):
    planted = tmp_path / "planted.html"
    planted.write_text("{% load i18n %}\n" + source)
    assert find_unsafe_marking([planted]) == [f"{planted}:2: {PLANTED_TEMPLATES[source]}"]


def test_it_leaves_alone_templates_that_escape(tmp_path):
    planted = tmp_path / "planted.html"
    planted.write_text("{{ safety_plan }} {{ x|safe_label }} {% autoescape on %}{{ unsafe }}{% endautoescape %}")
    assert find_unsafe_marking([planted]) == []


def test_an_allowed_use_is_allowed_once_and_only_where_it_was_allowed(tmp_path):
    planted = tmp_path / "two_factor_setup.html"
    planted.write_text("<div>{{ qr_svg|safe }}</div>\n<div>{{ qr_svg|safe }}</div>")
    allowed = {(str(planted), "{{ qr_svg|safe }}"): "a drawing made by a library"}
    assert find_unsafe_marking([planted], allowed=allowed) == [
        f"{planted}:2: turns escaping off: {{{{ qr_svg|safe }}}}"
    ]
    elsewhere = tmp_path / "other.html"
    elsewhere.write_text("<div>{{ qr_svg|safe }}</div>")
    assert find_unsafe_marking([elsewhere], allowed=allowed) == [
        f"{elsewhere}:1: turns escaping off: {{{{ qr_svg|safe }}}}"
    ]
