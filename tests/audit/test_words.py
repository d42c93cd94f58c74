"""The activity log in words: every action the code records has its words, in English and Spanish alike, and the
log shows them instead of the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.db import transaction

from reparo.audit.services import audit_record
from reparo.audit.words import ACTIONS, action_words
from tests.conftest import CsrfClient, sign_in

REPARO = Path(__file__).resolve().parents[2] / "reparo"
CODE = re.compile(r"^[a-z_]+(\.[a-z_0-9]+)+$")
# Actions recorded through a variable (a default argument, a name chosen at run time): listed here by hand.
INDIRECT = {"auth.signed_out", "portal.access_ended", "safety.plan_shared", "safety.plan_unshared"}


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def recorded_actions() -> set[str]:
    """Every action code written as a literal in a call to an audit helper anywhere under reparo/."""
    found = set(INDIRECT)
    for path in REPARO.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None) or ""
            if "audit" not in name.lower():
                continue
            for arg in [*node.args[:2], *(k.value for k in node.keywords if k.arg == "action")]:
                found.update(s for s in _strings(arg) if CODE.match(s) and s != "htcds.file")
    return found


def test_every_action_the_code_records_has_its_words():
    actions = recorded_actions()
    assert len(actions) > 150  # the scan finds them (a broken scan would find none and prove nothing)
    missing = sorted(actions - ACTIONS.keys())
    assert not missing, f"describe these actions in reparo/audit/words.py: {missing}"


def test_the_words_are_looked_up_in_the_active_language_and_a_new_action_shows_its_code():
    from django.utils import translation

    with translation.override("es"):
        spanish = action_words("auth.two_factor.verified")
    assert spanish != "auth.two_factor.verified"
    assert action_words("some.new_action") == "some.new_action"  # not described yet: its code


@pytest.mark.django_db
def test_the_activity_log_shows_actions_and_records_in_words(world):
    with transaction.atomic():
        audit_record(actor=world["facilitator"], action="auth.two_factor.verified", organisation=world.alice_org)
        audit_record(
            actor=world["facilitator"], action="case.opened", organisation=world.alice_org,
            object_type="cases.case", object_id="x",
        )  # fmt: skip
    html = sign_in(CsrfClient(), world["org_admin"]).get("/activity/").content.decode()
    assert "Signed in with the second factor" in html and "auth.two_factor.verified" not in html
    assert "<td>Case <code>x</code></td>" in html
    assert world["facilitator"].display_name in html and world["facilitator"].email in html
