"""manage.py htcds_export and htcds_import: the same services, run as an organisation admin (named in the log)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from reparo.audit.models import AuditEvent
from reparo.cases.models import Case
from reparo.people.models import Person
from tests.interop import helpers as h

pytestmark = pytest.mark.django_db


def test_import_then_export_from_the_command_line(world: Any, tmp_path: Path) -> None:
    call_command("htcds_import", "--organisation", world.alice_org.name, "--program", world.program.name, str(h.FULL))
    assert Case.objects.count() == 2
    assert AuditEvent.objects.get(action="htcds.imported").actor == world["org_admin"]
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])
    out = tmp_path / "alice.json"
    call_command("htcds_export", "--organisation", world.alice_org.name, "--recipient", world.partner.name,
                 "--format", "json", "--output", str(out))  # fmt: skip
    assert json.loads(out.read_text()) == json.loads(h.FULL.read_text())
    deidentified = tmp_path / "counts.csv"
    call_command("htcds_export", "--organisation", world.alice_org.name, "--deidentify", "--output", str(deidentified),
                 "--since", "2020-01-01", "--program", world.program.name)  # fmt: skip
    assert deidentified.read_text().startswith("# HTCDS 2.0 de-identified extract")


def test_a_file_with_problems_is_refused_unless_valid_only(world: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("reparo_case_ref,prs_Gender\nC1,Feminine\nC2,Robot\n")
    args = ["htcds_import", "--organisation", world.alice_org.name, "--program", world.program.name, str(bad)]
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command(*args)
    assert not Case.objects.exists()
    call_command(*args, "--valid-only")
    assert Case.objects.count() == 1


def test_it_needs_to_know_which_admin_it_runs_as(world: Any, tmp_path: Path) -> None:
    from reparo.accounts.models import Membership, Role
    from tests.conftest import make_user

    second = make_user("second.admin@alice.example")
    Membership.objects.create(user=second, organisation=world.alice_org, role=Role.ORG_ADMIN)
    args = ["htcds_export", "--organisation", world.alice_org.name, "--deidentify", "--output", str(tmp_path / "x")]
    with pytest.raises(CommandError, match="--user"):
        call_command(*args)
    call_command(*args, "--user", second.email)
    assert AuditEvent.objects.get(action="htcds.exported").actor == second
    with pytest.raises(CommandError, match="not an active organisation admin"):
        call_command(*args, "--user", world["coordinator"].email)
    with pytest.raises(CommandError, match="no organisation called"):
        call_command("htcds_export", "--organisation", "Nobody", "--deidentify", "--output", str(tmp_path / "y"))
    with pytest.raises(CommandError, match="partner organisation"):
        call_command("htcds_export", "--organisation", world.alice_org.name, "--user", second.email,
                     "--output", str(tmp_path / "z"))  # fmt: skip


def test_odk_pull_brings_new_submissions_once(world: Any, monkeypatch: Any, settings: Any) -> None:
    from io import StringIO

    from reparo.interop.models import FieldSubmission
    from tests.interop.central_stub import CONF, StubCentral

    args = ["odk_pull", "--organisation", world.alice_org.name, "--program", world.program.name]
    with pytest.raises(CommandError, match="not set up"):
        call_command(*args, "--user", world["coordinator"].email)
    settings.ODK_CENTRAL = CONF
    StubCentral().install(monkeypatch)
    with pytest.raises(CommandError, match="--user"):
        call_command(*args)  # a coordinator and an organisation admin: which one?
    out = StringIO()
    call_command(*args, "--user", world["coordinator"].email, stdout=out)
    assert "4 submission(s) in ODK Central: 3 new (intake drafts of coordinator@alice.example, 2 with answers to " \
           "check), 0 already here, 1 rejected in Central." in out.getvalue()  # fmt: skip
    again = StringIO()
    call_command(*args, "--user", world["org_admin"].email, stdout=again)
    assert "0 new" in again.getvalue() and "3 already here" in again.getvalue()
    assert FieldSubmission.objects.count() == 3
    with pytest.raises(CommandError, match="not an active coordinator or organisation admin"):
        call_command(*args, "--user", world["case_worker"].email)


def test_the_task_runs_the_same_pull(world: Any, monkeypatch: Any, settings: Any) -> None:
    from django.core.exceptions import PermissionDenied
    from django_tasks.base import TaskResultStatus

    from reparo.interop.models import FieldSubmission
    from reparo.interop.tasks import odk_pull_task
    from tests.interop.central_stub import CONF, StubCentral

    settings.ODK_CENTRAL = CONF
    StubCentral().install(monkeypatch)
    ids = (world.alice_org.pk, world.program.pk)
    result = odk_pull_task.enqueue(*ids, str(world["coordinator"].pk))
    assert (result.return_value["new"], result.return_value["rejected"]) == (3, 1)
    assert odk_pull_task.enqueue(*ids, str(world["org_admin"].pk)).return_value["already_here"] == 3
    assert FieldSubmission.objects.count() == 3
    refused = odk_pull_task.enqueue(*ids, str(world["case_worker"].pk))  # may not open cases: the task fails
    assert refused.status == TaskResultStatus.FAILED and refused.errors[0].exception_class is PermissionDenied
