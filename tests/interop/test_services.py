"""HTCDS export and import end to end: every field survives, a round trip through an empty organisation gives the same
file, consent decides who and what is in a file, imports are all-or-nothing and never make anything twice."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reparo.audit.models import AuditEvent
from reparo.cases import services as case_services
from reparo.cases.models import Case, CaseStatus, Note
from reparo.consent.models import DataCategory
from reparo.interop.models import HtcdsLink, Installation
from reparo.organisations.models import Organisation
from reparo.people.models import Person
from tests.interop import helpers as h

pytestmark = pytest.mark.django_db


def _native_case(world: Any) -> Case:
    """A case recorded in Reparo itself (no imported fields): intake, a responsible person, a note, closed."""
    admin = world["org_admin"]
    case = case_services.case_open(
        actor=admin, program=world.program, referral_source="police", referral_date=datetime.date(2025, 6, 1),
        survivor={"given_name": "Zoë", "family_name": "Ångström", "date_of_birth": datetime.date(2001, 1, 9),
                  "gender": "Feminine", "citizenship": ["SE"], "languages": ["sv", "en", "fr"],
                  "phone": "07700 900999", "email": "zoe@example.org", "address": "Storgatan 1\nUppsala"},
        responsible={"given_name": "Rolf", "gender": "Masculine"},
        exploitation_types=["ForcedBegging"], methods_of_control=["PhysicalAbuse"],
    )  # fmt: skip
    case_services.note_add(actor=admin, case=case, body="Met at the library; she chose the place.")
    case_services.note_add(actor=admin, case=case, body="Supervisors only.", confidentiality="supervisors")
    for step in (CaseStatus.INTAKE, CaseStatus.WITHDRAWN):
        case = case_services.case_transition(actor=admin, case=case, to_status=step, reason="She chose to stop.")
    return case


def _alice_with_everything(world: Any) -> None:
    report = h.import_file(h.FULL, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    assert report.saved and report.cases_created == 2, report.problems
    _native_case(world)
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])


def test_every_field_of_every_section_survives_import_then_export(world: Any) -> None:
    report = h.import_file(h.FULL, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    assert report.saved, report.problems
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])
    exported = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    assert exported == json.loads(h.FULL.read_text())


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_export_import_into_an_empty_organisation_export_gives_the_same_file(world: Any, file_format: str) -> None:
    _alice_with_everything(world)
    first = h.export_text(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner,
                          file_format=file_format)  # fmt: skip
    assert first.count("SRC-0001") and "Zoë" in first
    org, program, admin = h.empty_organisation("Dora Support")
    report = h.import_bytes(f"alice.{file_format}", first, actor=admin, organisation=org, program=program)
    assert report.saved and report.cases_created == 3, report.problems
    h.share(Person.objects.filter(organisation=org), world.partner, recorder=admin)
    second = h.export_text(actor=admin, organisation=org, recipient=world.partner, file_format=file_format)
    assert second == first


def test_it_gives_back_the_same_csv_bytes_for_values_a_spreadsheet_would_run(world: Any) -> None:
    data = json.loads(h.FULL.read_text())
    case = data["cases"][0]
    ref = case["persons"][0]["reparo_person_ref"]
    for person in (p for c in data["cases"] for p in c["persons"] if p["reparo_person_ref"] == ref):
        person.update(prs_FirstName="=SUM(A1)", prs_MailingStreet="+44 20 7946 0958", prs_Title="'quoted",
                    prs_MailingLongitude=-0.1278)  # fmt: skip
    case["cas_ReasonForCaseClosure"] = "-5 days"
    case["comments"][0]["cco_CaseComment"] = "@home"
    report = h.import_bytes("odd.json", json.dumps(data), actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert report.saved, report.problems
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])
    first = h.export_text(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    rows = csv.DictReader(io.StringIO(first))
    row = next(r for r in rows if (r["reparo_case_ref"], r["reparo_person_ref"]) == (case["reparo_case_ref"], ref))
    assert row["prs_FirstName"] == "'=SUM(A1)" and row["prs_MailingStreet"] == "'+44 20 7946 0958"
    assert row["prs_Title"] == "''quoted" and row["cas_ReasonForCaseClosure"] == "'-5 days"
    assert row["prs_MailingLongitude"] == "-0.1278" and row["prs_MobilePhone"] == "+447700900123"  # numbers as is
    org, program, admin = h.empty_organisation("Dora Support")
    report = h.import_bytes("alice.csv", first, actor=admin, organisation=org, program=program)
    assert report.saved, report.problems
    h.share(Person.objects.filter(organisation=org), world.partner, recorder=admin)
    second = h.export_text(actor=admin, organisation=org, recipient=world.partner)
    assert second == first
    cases = h.export_json(actor=admin, organisation=org, recipient=world.partner)["cases"]
    people = {p["reparo_person_ref"]: p for c in cases for p in c["persons"]}
    assert people[ref]["prs_FirstName"] == "=SUM(A1)"  # stored without the apostrophe


def test_the_xlsx_round_trip_gives_the_same_cells(world: Any) -> None:
    from openpyxl import load_workbook

    def cells(data: bytes) -> list[tuple[Any, ...]]:
        return list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))

    _alice_with_everything(world)
    first = b"".join(h.services.htcds_export(actor=world["org_admin"], organisation=world.alice_org,
                                             recipient=world.partner, file_format="xlsx").chunks)  # fmt: skip
    org, program, admin = h.empty_organisation("Dora Support")
    assert h.import_bytes("alice.xlsx", first, actor=admin, organisation=org, program=program).saved
    h.share(Person.objects.filter(organisation=org), world.partner, recorder=admin)
    second = b"".join(h.services.htcds_export(actor=admin, organisation=org, recipient=world.partner,
                                              file_format="xlsx").chunks)  # fmt: skip
    assert cells(second) == cells(first)
    assert len(cells(first)) == 7  # the header and six person rows


def test_a_native_case_exports_what_reparo_holds(world: Any) -> None:
    case = _native_case(world)
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])
    out = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    (exported,) = out["cases"]
    assert exported["reparo_case_ref"] == f"{case.reference}@{Installation.code_here()}"  # this installation's
    assert exported["cas_Status"] == "Closed" and exported["cas_ReasonForCaseClosure"] == "She chose to stop."
    assert exported["referral"] == {"cas_IncomingReferralDate": "2025-06-01"}
    survivor, responsible = exported["persons"]
    assert (survivor["reparo_role"], responsible["reparo_role"]) == ("victim", "perpetrator")
    assert survivor["prs_PrimaryLanguage"] == "sv" and survivor["prs_SecondaryLanguage"] == "en"
    assert survivor["prs_MailingStreet"] == "Storgatan 1, Uppsala"
    assert "prs_MobilePhone" not in survivor  # 07700 900999 is not in international form: left out, not mangled
    assert survivor["vic_TypeOfExploitation"] == ["ForcedBegging"] and "vic_TypeOfExploitation" not in responsible
    assert exported["comments"] == [{"cco_CaseComment": "Met at the library; she chose the place."}]  # not the
    # supervisors-only note


def test_a_person_without_consent_to_share_is_absent(world: Any) -> None:
    _alice_with_everything(world)
    maria = Person.objects.get(htcds_link__ref="SRC-P-001")
    victor = Person.objects.get(htcds_link__ref="SRC-P-002")
    for person in (maria, victor):
        for consent in person.consents.all():
            consent.withdrawn_at = consent.given_at + datetime.timedelta(seconds=1)
            consent.withdrawal_recorded_via = "staff"
            consent.save()
    out = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    refs = {c["reparo_case_ref"] for c in out["cases"]}
    assert "SRC-0001" not in refs and "SRC-0002" not in refs  # Maria is a survivor on both: neither case goes
    text = json.dumps(out)
    assert "Maria" not in text and "Victor" not in text and "P1234567" not in text
    assert len(out["cases"]) == 1  # the native case, whose people agreed


def test_a_responsible_person_without_consent_is_left_out_of_a_shared_case(world: Any) -> None:
    h.import_file(h.FULL, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    survivors = Person.objects.filter(htcds_link__ref__in=["SRC-P-001", "SRC-P-003"])
    h.share(survivors, world.partner, recorder=world["org_admin"])
    out = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    first = next(c for c in out["cases"] if c["reparo_case_ref"] == "SRC-0001")
    assert [p["reparo_person_ref"] for p in first["persons"]] == ["SRC-P-001"]
    assert "Victor" not in json.dumps(out)


def test_identity_only_with_identity_consent_and_contact_only_with_contact_consent(world: Any) -> None:
    h.import_file(h.FULL, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    people = Person.objects.filter(organisation=world.alice_org)
    h.share(people, world.partner, recorder=world["org_admin"], categories=[DataCategory.CASE_FACTS])
    out = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    maria = out["cases"][0]["persons"][0]
    for name in ("prs_FirstName", "prs_SecondName", "prs_MiddleName", "prs_Salutation", "prs_Birthdate",
                 "prs_IdentityNumber", "prs_Title", "prs_Email", "prs_MobilePhone", "prs_HomePhone",
                 "prs_MailingStreet", "prs_MailingLatitude"):  # fmt: skip
        assert name not in maria, name
    assert maria["prs_Gender"] == "Feminine" and maria["vic_TypeOfExploitation"] == ["ForcedLabour", "Servitude"]
    assert out["cases"][0]["support_plans"] == []  # needs were not agreed to be shared
    h.share(people, world.partner, recorder=world["org_admin"], categories=[DataCategory.IDENTITY])
    maria = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)["cases"][0][
        "persons"
    ][0]
    assert maria["prs_FirstName"] == "Maria" and maria["prs_IdentityNumber"] == "P1234567"
    assert "prs_Email" not in maria
    elsewhere = Organisation.objects.create(name="Elsewhere Aid", kind="partner", htcds_type="NGO")
    other = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=elsewhere)
    assert other["cases"] == []  # nobody agreed to share with that organisation


def test_an_export_needs_a_partner_recipient_or_deidentification(world: Any) -> None:
    admin = world["org_admin"]
    with pytest.raises(ValidationError):
        h.services.htcds_export(actor=admin, organisation=world.alice_org)
    with pytest.raises(ValidationError):
        h.services.htcds_export(actor=admin, organisation=world.alice_org, recipient=world.charlie_org)
    for who in ("coordinator", "evaluator", "case_worker"):
        with pytest.raises(PermissionDenied):
            h.services.htcds_export(actor=world[who], organisation=world.alice_org, recipient=world.partner)
    with pytest.raises(PermissionDenied):
        h.services.htcds_export(actor=world.charlie, organisation=world.alice_org, recipient=world.partner)


def test_an_export_is_audited_with_who_for_whom_and_how_many(world: Any) -> None:
    _alice_with_everything(world)
    h.export_text(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    event = AuditEvent.objects.get(action="htcds.exported")
    assert event.actor == world["org_admin"] and event.organisation == world.alice_org
    assert event.detail["recipient"] == world.partner.pk
    assert (event.detail["cases"], event.detail["people"]) == (3, 5)


def test_importing_the_same_file_twice_creates_nothing_twice(world: Any) -> None:
    args = {"actor": world["org_admin"], "organisation": world.alice_org, "program": world.program}
    first = h.import_file(h.FULL, **args)
    counts = (Case.objects.count(), Person.objects.count(), Note.objects.count(), HtcdsLink.objects.count())
    second = h.import_file(h.FULL, **args)
    assert (first.cases_created, first.people_created) == (2, 3)
    assert second.saved and (second.cases_created, second.people_created, second.cases_already_there) == (0, 0, 2)
    assert (Case.objects.count(), Person.objects.count(), Note.objects.count(), HtcdsLink.objects.count()) == counts
    odk = h.DATA / "htcds" / "odk_central_htcds.csv"
    h.import_file(odk, **args)
    counts = (Case.objects.count(), Person.objects.count())
    assert h.import_file(odk, **args).cases_already_there == 2
    assert (Case.objects.count(), Person.objects.count()) == counts


def test_a_file_exported_by_an_organisation_and_imported_back_finds_its_own_cases(world: Any) -> None:
    case = _native_case(world)
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])
    text = h.export_text(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)
    report = h.import_bytes("back.csv", text, actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert report.saved and report.cases_already_there == 1 and report.cases_created == 0
    assert Case.objects.filter(organisation=world.alice_org).count() == 1 and Case.objects.get() == case


def _file_from_elsewhere(case_ref: str, person_ref: str) -> str:
    person = {
        "reparo_person_ref": person_ref,
        "reparo_role": "victim",
        "prs_FirstName": "Noor",
        "prs_Gender": "Feminine",
    }
    case = {"reparo_case_ref": case_ref, "cas_Status": "Active", "persons": [person]}
    return json.dumps({"standard": "HTCDS 2.0", "cases": [case]})


@pytest.mark.parametrize("elsewhere", ["", "@0123456789ab"], ids=["bare", "another-installation"])
def test_it_never_takes_a_reference_from_another_installation_for_a_local_case_or_person(
    world: Any, elsewhere: str
) -> None:
    local = _native_case(world)
    survivor = local.participants.get(role="survivor").person
    before = (list(local.participants.values_list("person_id", "role")), local.status, survivor.given_name)
    data = _file_from_elsewhere(local.reference + elsewhere, survivor.display_code + elsewhere)
    args = {"actor": world["org_admin"], "organisation": world.alice_org, "program": world.program}
    report = h.import_bytes("elsewhere.json", data, **args)
    assert report.saved and (report.cases_created, report.people_created, report.cases_already_there) == (1, 1, 0)
    made = Case.objects.exclude(pk=local.pk).get(organisation=world.alice_org)
    (newcomer,) = [p.person for p in made.participants.all()]
    assert newcomer != survivor and newcomer.given_name == "Noor"
    local.refresh_from_db()
    survivor.refresh_from_db()
    assert (list(local.participants.values_list("person_id", "role")), local.status, survivor.given_name) == before
    counts = (Case.objects.count(), Person.objects.count(), HtcdsLink.objects.count())
    again = h.import_bytes("elsewhere.json", data, **args)
    assert again.saved and (again.cases_created, again.people_created, again.cases_already_there) == (0, 0, 1)
    assert (Case.objects.count(), Person.objects.count(), HtcdsLink.objects.count()) == counts


def test_a_known_case_with_a_person_from_another_installation_makes_a_new_person(world: Any) -> None:
    local = _native_case(world)
    survivor = local.participants.get(role="survivor").person
    data = _file_from_elsewhere("SRC-9", survivor.display_code)  # only the person's reference collides
    report = h.import_bytes("elsewhere.json", data, actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert report.saved and report.people_created == 1
    assert not survivor.participations.exclude(case=local).exists()


def test_nothing_is_saved_when_one_row_is_wrong_unless_valid_only(world: Any) -> None:
    args = {"actor": world["org_admin"], "organisation": world.alice_org, "program": world.program}
    data = json.loads(h.FULL.read_text())
    data["cases"][1]["persons"][1]["prs_Gender"] = "Unknown"
    raw = json.dumps(data)
    report = h.import_bytes("bad.json", raw, **args)
    assert not report.saved and report.problems == [
        h.importing.Problem("case 2, person 2", "prs_Gender", "“Unknown” is not one of the standard's values for "
                            "Gender.")
    ]  # fmt: skip
    assert not Case.objects.exists() and not Person.objects.exists()
    refused = AuditEvent.objects.get(action="htcds.import_refused")
    assert refused.detail["problems"] == 1
    partial = h.import_bytes("bad.json", raw, valid_only=True, **args)
    assert partial.saved and partial.cases_created == 1 and partial.cases_invalid == 1
    assert list(Case.objects.values_list("htcds_link__ref", flat=True)) == ["SRC-0001"]


def test_imported_people_go_through_intake_encrypted_and_searchable(world: Any) -> None:
    from django.db import connection

    from reparo.core.fields import blind_lookup

    h.import_file(h.FULL, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    maria = Person.objects.get(**blind_lookup(Person, "email_bidx", "maria@example.org"))
    assert maria.given_name == "Maria" and maria.htcds_extra["prs_IdentityNumber"] == "P1234567"
    with connection.cursor() as cursor:
        cursor.execute("SELECT given_name, htcds_extra FROM people_person WHERE id = %s", [maria.pk.hex])
        stored = " ".join(str(v) for v in cursor.fetchone())
    assert "Maria" not in stored and "P1234567" not in stored
    case = Case.objects.get(htcds_link__ref="SRC-0001")
    assert case.status == CaseStatus.CLOSED and case.htcds_extra["cas_Status"] == "ClosedReferred"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"case.opened", "person.created", "case.participant_added", "case.status_changed",
            "case.note_added", "htcds.imported"} <= actions  # fmt: skip


def test_erasure_removes_the_imported_fields_too(world: Any) -> None:
    h.import_file(h.FULL, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    maria = Person.objects.get(htcds_link__ref="SRC-P-001")
    case_services.person_erase(actor=world["org_admin"], person=maria)
    maria.refresh_from_db()
    assert maria.htcds_extra is None and maria.given_name is None


def test_only_organisation_admins_import(world: Any) -> None:
    for who in ("coordinator", "case_worker"):
        with pytest.raises(PermissionDenied):
            h.import_file(h.FULL, actor=world[who], organisation=world.alice_org, program=world.program)
    with pytest.raises(PermissionDenied):
        h.import_file(h.FULL, actor=world.charlie, organisation=world.alice_org, program=world.program)
    assert not Case.objects.exists()


def test_a_case_the_services_refuse_saves_nothing_of_the_file_and_names_its_line_and_column(world: Any) -> None:
    """A value the standard allows but Reparo cannot keep (a given name longer than 150 characters) is refused by the
    same services as intake, after the file's own checks: every case already made from the file is undone with it."""
    args = {"actor": world["org_admin"], "organisation": world.alice_org, "program": world.program}
    data = json.loads(h.FULL.read_text())
    data["cases"][1]["persons"][1]["prs_FirstName"] = "N" * 151  # Ana, on the second case only
    raw = json.dumps(data)
    before = AuditEvent.objects.count()
    report = h.import_bytes("long.json", raw, **args)
    assert not report.saved and report.cases_created == 0 and report.cases_invalid == 1
    assert [(p.line, p.column) for p in report.problems] == [("case 2", "prs_FirstName")]
    assert "at most 150 characters" in report.problems[0].reason
    assert not Case.objects.exists() and not Person.objects.exists() and not HtcdsLink.objects.exists()
    assert not Note.objects.exists()
    assert list(AuditEvent.objects.order_by("at")[before:].values_list("action", flat=True)) == [
        "htcds.import_refused"
    ]  # the first case's intake, notes and moves were undone with it
    partial = h.import_bytes("long.json", raw, valid_only=True, **args)
    assert partial.saved and partial.cases_created == 1
    assert list(Case.objects.values_list("htcds_link__ref", flat=True)) == ["SRC-0001"]
