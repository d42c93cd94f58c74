"""Field intake from ODK Central: new submissions of the standard's XLSForm land as intake drafts for a coordinator
to review, never twice, and a case opened from one keeps every answer. Central is the recorded answer served at the
HTTP layer (tests/interop/central_stub.py)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404

from reparo.audit.models import AuditEvent
from reparo.cases import selectors as case_selectors
from reparo.cases.models import Case, IntakeDraft
from reparo.interop import selectors, services
from reparo.interop.models import FieldSubmission, HtcdsLink
from reparo.people.models import Person
from tests.conftest import CsrfClient, sign_in
from tests.interop import helpers as h
from tests.interop.central_stub import CONF, StubCentral

pytestmark = pytest.mark.django_db

TOMAS = "uuid:6b1f3c0e-5d0a-4c5e-9a57-0d1b5c1c2a01"
AMARA = "uuid:3c4d5e6f-7081-4a92-b3c4-d5e6f7a8b9c0"
NADIA = "uuid:5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c"


@pytest.fixture
def central(monkeypatch: Any, settings: Any) -> StubCentral:
    settings.ODK_CENTRAL = CONF
    return StubCentral().install(monkeypatch)


def _pull(world: Any, who: str = "coordinator") -> services.PullReport:
    return services.field_intake_pull(actor=world[who], organisation=world.alice_org, program=world.program)


def _draft(instance_id: str) -> IntakeDraft:
    found = FieldSubmission.objects.get(instance_id=instance_id).intake_draft
    assert found is not None
    return found


def test_new_submissions_land_as_intake_drafts_of_the_coordinator(world: Any, central: StubCentral) -> None:
    report = _pull(world)
    assert (report.received, report.new, report.rejected, report.already_here) == (4, 3, 1, 0)
    assert report.with_problems == 2
    assert set(FieldSubmission.objects.values_list("instance_id", flat=True)) == {TOMAS, AMARA, NADIA}
    assert not Case.objects.exists() and not Person.objects.exists()  # nothing is a case until someone reviews it
    amara = _draft(AMARA)
    assert amara.owner == world["coordinator"] and amara.organisation == world.alice_org
    data = amara.data
    assert (data["given_name"], data["family_name"], data["email"]) == (["Amara"], ["Okafor"],
                                                                         ["amara.okafor@example.org"])  # fmt: skip
    assert data["program"] == [str(world.program.pk)] and data["referral_date"] == ["2025-03-01"]
    assert data["exploitation_types"] == ["ForcedLabour", "Servitude"]
    assert data["methods_of_control"] == ["DebtBondage", "PsychologicalAbuse"]  # the standard's order
    assert data["source"]["survivor"]["citizenship"] == ["NG"]
    assert data["source"]["survivor"]["htcds_extra"]["vic_TraffickingStatus"] == "ActualVictimOfTrafficking"
    assert data["source"]["case_extra"]["cas_ReferringOrganisation"] == "Harbour Outreach"
    submission = FieldSubmission.objects.get(instance_id=AMARA)
    assert submission.problems == [["vic_ForcedLabourIndustry", "Forced Labour Industry takes one value, not several."]]
    assert submission.submitted_at == datetime.datetime(2025, 3, 2, 10, 32, 5, 871000, tzinfo=datetime.UTC)
    assert (submission.project_id, submission.form_id) == (7, "htcds_xlsform")
    assert submission.pulled_by == world["coordinator"]
    nadia = FieldSubmission.objects.get(instance_id=NADIA)
    assert [column for column, _reason in nadia.problems] == ["prs_Birthdate", "prs_Gender"]
    assert _draft(NADIA).data["gender"] == [""] and _draft(NADIA).data["date_of_birth"] == [""]  # left empty


def test_pulling_twice_creates_nothing_twice(world: Any, central: StubCentral) -> None:
    _pull(world)
    counts = (FieldSubmission.objects.count(), IntakeDraft.objects.count(), AuditEvent.objects.count())
    again = _pull(world, who="org_admin")
    assert (again.new, again.already_here, again.rejected) == (0, 3, 1)
    assert (FieldSubmission.objects.count(), IntakeDraft.objects.count()) == counts[:2]
    assert not IntakeDraft.objects.filter(owner=world["org_admin"]).exists()


def test_a_submission_already_imported_from_a_central_file_is_not_pulled_and_the_reverse(
    world: Any, central: StubCentral
) -> None:
    odk_csv = h.DATA / "htcds" / "odk_central_htcds.csv"
    h.import_file(odk_csv, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    report = _pull(world)
    assert (report.new, report.already_here) == (2, 1)  # Tomas came with the file
    assert not FieldSubmission.objects.filter(instance_id=TOMAS).exists()

    FieldSubmission.objects.all().delete()
    IntakeDraft.objects.all().delete()
    Case.objects.all().delete()
    HtcdsLink.objects.all().delete()
    _pull(world)
    cases = Case.objects.count()
    again = h.import_file(odk_csv, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    assert again.saved and again.cases_created == 1 and again.cases_already_there == 1  # Tomas waits as a draft
    assert Case.objects.count() == cases + 1


def test_two_pulls_at_once_bring_a_submission_once(world: Any, central: StubCentral, monkeypatch: Any) -> None:
    _pull(world)
    monkeypatch.setattr(selectors, "field_submission_known", lambda organisation, instance_id: False)
    drafts = IntakeDraft.objects.count()
    report = _pull(world, who="org_admin")  # as if each were not there yet: the database refuses the second copy
    assert (report.new, report.already_here) == (0, 3)
    assert IntakeDraft.objects.count() == drafts and FieldSubmission.objects.count() == 3


def _open_from_draft(client: CsrfClient, draft: IntakeDraft, **changes: Any) -> Any:
    form = {k: v for k, v in draft.data.items() if k != "source"}
    return client.post_form("/cases/new/", {**form, **changes, "draft_id": str(draft.pk), "open": "1"})


def test_a_case_opened_from_the_draft_keeps_every_answer(world: Any, central: StubCentral) -> None:
    _pull(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    draft = _draft(AMARA)
    page = client.get(f"/cases/new/?draft={draft.pk}").content.decode()
    assert 'value="Amara"' in page and "field intake" in page.lower()
    response = _open_from_draft(client, draft)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    survivor = case.participants.get(role="survivor").person
    assert (survivor.given_name, survivor.family_name, list(survivor.citizenship)) == ("Amara", "Okafor", ["NG"])
    assert "vic_ForcedLabourIndustry" not in survivor.htcds_extra  # the answer the standard does not allow
    assert survivor.htcds_extra["vic_TraffickingStatus"] == "ActualVictimOfTrafficking"
    assert case.htcds_extra["cas_IncomingReferralDetails"] == "Met at the drop-in centre"
    assert case.referral_date == datetime.date(2025, 3, 1)
    assert case.harms.get().exploitation_types == ["ForcedLabour", "Servitude"]
    submission = FieldSubmission.objects.get(instance_id=AMARA)
    assert submission.case == case and submission.intake_draft is None and submission.state == "opened"
    assert HtcdsLink.objects.get(case=case).ref == f"odk:{AMARA}"
    assert HtcdsLink.objects.get(person=survivor).ref == f"odk:{AMARA}:1"
    assert AuditEvent.objects.filter(action="field_submission.case_opened", object_id=str(submission.pk)).exists()
    # Exported, the case carries the answers and the submission's reference.
    h.share([survivor], world.partner, recorder=world["org_admin"])
    out = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    (exported,) = out["cases"]
    assert exported["reparo_case_ref"] == f"odk:{AMARA}"
    assert exported["referral"]["cas_ReferringOrganisation"] == "Harbour Outreach"
    assert exported["persons"][0]["prs_Citizenship"] == ["NG"]


def test_a_draft_saved_again_keeps_its_source_and_a_posted_source_is_ignored(world: Any, central: StubCentral) -> None:
    _pull(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    draft = _draft(TOMAS)
    form = {k: v for k, v in draft.data.items() if k != "source"}
    client.post_form("/cases/new/", {**form, "given_name": "Tomáš", "draft_id": str(draft.pk), "save_draft": "1",
                                     "source": '{"case_extra": {"cas_CaseOwner": "me"}}'})  # fmt: skip
    draft.refresh_from_db()
    assert draft.data["given_name"] == ["Tomáš"]
    assert draft.data["source"]["case_extra"]["cas_ReferringOrganisation"] == "City Police Unit"
    assert draft.data["source"]["case_extra"]["cas_CaseOwner"] == ""
    own = sign_in(CsrfClient(), world["case_worker"])
    own.post_form("/cases/new/", {"program": world.program.pk, "given_name": "X", "save_draft": "1",
                                  "source": '{"case_extra": {"cas_CaseOwner": "me"}}'})  # fmt: skip
    assert "source" not in IntakeDraft.objects.get(owner=world["case_worker"]).data


def test_another_reviewer_takes_a_draft_over(world: Any, central: StubCentral) -> None:
    _pull(world)
    submission = FieldSubmission.objects.get(instance_id=TOMAS)
    draft = services.field_submission_take(actor=world["org_admin"], submission=submission)
    assert draft.owner == world["org_admin"]
    with pytest.raises(Http404):
        case_selectors.intake_draft_get_for(world["coordinator"], draft.pk)
    assert case_selectors.intake_draft_get_for(world["org_admin"], draft.pk) == draft
    with pytest.raises(ValidationError):
        services.field_submission_take(actor=world["org_admin"], submission=submission)  # already theirs
    taken = AuditEvent.objects.get(action="case.intake_draft_taken")
    assert taken.detail == {"from_user": str(world["coordinator"].pk)}
    assert AuditEvent.objects.filter(action="field_submission.taken", actor=world["org_admin"]).count() == 1
    for who in ("case_worker", "facilitator", "evaluator"):
        with pytest.raises(Http404):
            selectors.field_submission_get_for(world[who], submission.pk)
    with pytest.raises(Http404):
        selectors.field_submission_get_for(world.charlie, submission.pk)


def test_only_reviewers_of_the_organisation_pull_into_its_own_open_programs(world: Any, central: StubCentral) -> None:
    for who in ("case_worker", "facilitator", "evaluator", "supervisor"):
        with pytest.raises(PermissionDenied):
            _pull(world, who=who)
    with pytest.raises(PermissionDenied):
        services.field_intake_pull(actor=world.charlie, organisation=world.alice_org, program=world.program)
    from reparo.organisations.models import Program

    elsewhere = Program.objects.create(organisation=world.charlie_org, name="Theirs")
    with pytest.raises(PermissionDenied):
        services.field_intake_pull(actor=world["coordinator"], organisation=world.alice_org, program=elsewhere)
    closed = Program.objects.create(organisation=world.alice_org, name="Closed", is_active=False)
    with pytest.raises(ValidationError):
        services.field_intake_pull(actor=world["coordinator"], organisation=world.alice_org, program=closed)
    assert not FieldSubmission.objects.exists() and not central.calls  # refused before Central is asked


def test_without_configuration_or_without_central_nothing_arrives(
    world: Any, central: StubCentral, settings: Any
) -> None:
    central.down = True
    with pytest.raises(ValidationError) as down:
        _pull(world)
    assert "could not be reached" in " ".join(down.value.messages)
    assert AuditEvent.objects.filter(action="field_intake.pull_failed").count() == 1
    settings.ODK_CENTRAL = None
    with pytest.raises(ValidationError) as off:
        _pull(world)
    assert "not set up" in " ".join(off.value.messages)
    assert not FieldSubmission.objects.exists() and not IntakeDraft.objects.exists()


def test_a_pull_is_audited_and_keeps_no_answer_in_the_clear(world: Any, central: StubCentral) -> None:
    _pull(world)
    pulled = AuditEvent.objects.get(action="field_intake.pulled")
    assert pulled.actor == world["coordinator"] and pulled.organisation == world.alice_org
    assert (pulled.detail["new"], pulled.detail["rejected"], pulled.detail["form"]) == (3, 1, "htcds_xlsform")
    assert AuditEvent.objects.filter(action="field_submission.received").count() == 3
    nadia = FieldSubmission.objects.get(instance_id=NADIA)
    with connection.cursor() as cursor:
        cursor.execute("SELECT problems FROM interop_fieldsubmission WHERE id = %s",
                       [nadia.pk.hex if connection.vendor == "sqlite" else nadia.pk])  # fmt: skip
        (stored,) = cursor.fetchone()
    assert "Female" not in stored and "prs_Gender" not in stored
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM cases_intakedraft")
        assert not any("Nadia" in row[0] for row in cursor.fetchall())


def test_erasing_the_survivor_erases_what_was_quoted_from_their_submission(world: Any, central: StubCentral) -> None:
    from reparo.cases import services as case_services

    _pull(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    draft = _draft(NADIA)
    response = _open_from_draft(client, draft, gender="Feminine")
    assert response.status_code == 302
    survivor = Case.objects.get().participants.get(role="survivor").person
    submission = FieldSubmission.objects.get(instance_id=NADIA)
    assert "2091-07-21" in str(submission.problems)  # the birth date as typed in the field
    case_services.person_erase(actor=world["org_admin"], person=survivor)
    submission.refresh_from_db()
    assert submission.problems is None and submission.case is not None
    assert FieldSubmission.objects.get(instance_id=AMARA).problems  # another person's stays
