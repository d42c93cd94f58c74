"""House rules that keep access checks in one place (the selectors) and writes in services."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "reparo"
VIEW_MODULES = sorted(ROOT.glob("*/views.py"))


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: p.parent.name)
def test_it_keeps_model_queries_out_of_views(path):
    """Views read through selectors (which limit rows to what the actor may see), never `Model.objects`."""
    tree = ast.parse(path.read_text())
    offenders = [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_base_manager", "_default_manager"}
    ]
    assert not offenders, f"query a selector instead: {offenders}"


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: p.parent.name)
def test_it_keeps_audit_writes_out_of_views(path):
    """Audit rows are written by services, inside the transaction of the action they record."""
    assert "audit_record(" not in path.read_text()


def test_it_checks_some_views():
    assert len(VIEW_MODULES) >= 4
