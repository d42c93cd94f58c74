"""Reading HTCDS files: each kind of bad value is reported with its line and column; ODK Central's and KoboToolbox's
CSV of the standard's XLSForm import through the one alias map."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
from openpyxl import load_workbook

from reparo.cases.models import Case, CaseStatus, Harm
from reparo.interop import importing
from reparo.people.models import Person
from tests.interop import helpers as h

pytestmark = pytest.mark.django_db

NEXT_YEAR = (datetime.date.today() + datetime.timedelta(days=400)).isoformat()
BAD = [
    # (column, bad value, what the reason says)
    ("prs_Gender", "Male", "“Male” is not one of the standard's values for Gender."),
    ("vic_MethodsOfControl", "DebtBondage;Beating", "“Beating” is not one of the standard's values for Methods of"),
    ("prs_Birthdate", "21/07/1994", "“21/07/1994” is not a date written YYYY-MM-DD."),
    ("prs_NumberOfChildren", "two", "“two” is not a number."),
    ("vic_AgeWhenTrafficked", "150", "Age when Trafficked must be between 0 and 120."),
    ("prs_Deceased", "maybe", "Deceased is a yes-or-no field: write TRUE or FALSE."),
    ("prs_Citizenship", "UK", "“UK” is not a two-letter ISO 3166 country code."),
    ("prs_PrimaryLanguage", "eng", "“eng” is not a two-letter ISO 639-1 language code."),
    ("prs_MobilePhone", "07700 900123", "Mobile Phone must be a phone number in international form"),
    ("prs_Email", "not-an-email", "Email is not an e-mail address."),
    ("cas_IncomingReferralDate", NEXT_YEAR, "Incoming Referral Date cannot be in the future."),
    ("vic_ForcedLabourIndustry", "P_Education F_Construction", "Forced Labour Industry takes one value, not several."),
    ("reparo_role", "witness", "Write “victim” or “perpetrator”."),
]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def test_each_kind_of_bad_value_is_reported_with_its_line_and_column(world: Any) -> None:
    columns = ["reparo_case_ref", "prs_FirstName", *[c for c, _v, _r in BAD if c != "reparo_case_ref"]]
    rows = []
    for i, (column, value, _reason) in enumerate(BAD):
        row = dict.fromkeys(columns, "")
        row.update({"reparo_case_ref": f"C{i}", "prs_FirstName": "Someone", column: value})
        rows.append([row[c] for c in columns])
    text = _csv(columns, rows)
    report = h.import_bytes("bad.csv", text, actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert not report.saved
    found = {(p.line, p.column): p.reason for p in report.problems}
    for i, (column, _value, reason) in enumerate(BAD):
        assert found[(str(i + 2), column)].startswith(reason), (column, found.get((str(i + 2), column)))
    assert len(report.problems) == len(BAD)
    assert not Case.objects.exists() and not Person.objects.exists()  # nothing saved


def test_it_reports_unknown_columns_and_disagreeing_rows_of_one_case(world: Any) -> None:
    text = _csv(
        ["reparo_case_ref", "reparo_person_ref", "prs_Gender", "cas_Status", "favourite_colour"],
        [["C1", "P1", "Feminine", "Active", "blue"], ["C1", "P2", "Feminine", "Closed", "red"],
         ["C2", "P1", "Masculine", "Active", ""]],
    )  # fmt: skip
    report = h.import_bytes("x.csv", text, actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert [(p.line, p.column, p.reason) for p in report.problems] == [
        ("1", "favourite_colour", "This column is not a field of HTCDS 2.0."),
        ("3", "cas_Status", "This differs from line 2, which is about the same case."),
        ("4", "prs_Gender", "This differs from line 2, which is about the same person."),
    ]


def test_lines_are_counted_as_the_file_has_them_with_multi_line_cells(world: Any) -> None:
    text = _csv(["reparo_case_ref", "cas_IncomingReferralDetails", "prs_Gender"],
                [["C1", "first line\nsecond line", "Feminine"], ["C2", "", "Nope"]])  # fmt: skip
    report = h.import_bytes("x.csv", text, actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert [(p.line, p.column) for p in report.problems] == [("4", "prs_Gender")]


def test_an_xlsx_file_reports_spreadsheet_rows(world: Any) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["reparo_case_ref", "prs_Gender", "prs_Birthdate"])
    book.active.append(["C1", "Feminine", datetime.date(1990, 1, 2)])
    book.active.append(["C2", "Feminine", "yesterday"])
    data = io.BytesIO()
    book.save(data)
    report = h.import_bytes("x.xlsx", data.getvalue(), actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert [(p.line, p.column) for p in report.problems] == [("3", "prs_Birthdate")]


def test_a_json_file_reports_the_case_and_person(world: Any) -> None:
    data = json.loads(h.FULL.read_text())
    data["cases"][0]["persons"][1]["per_RoleInProcess"] = ["Exploiter", "Mastermind"]
    data["cases"][0]["historic_trafficking_events"][1]["hte_Date"] = "last spring"
    data["cases"][1]["referral"]["cas_Nonsense"] = "x"
    report = h.import_bytes("x.json", json.dumps(data), actor=world["org_admin"], organisation=world.alice_org,
                            program=world.program)  # fmt: skip
    assert [(p.line, p.column) for p in report.problems] == [
        ("case 1, person 2", "per_RoleInProcess"),
        ("case 1, historic_trafficking_events 2", "hte_Date"),
        ("case 2", "cas_Nonsense"),
    ]


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [("x.csv", b"", "The file is empty."), ("x.csv", b"name,age\nA,3\n", "The header row has no HTCDS 2.0 field"),
     ("x.json", b"{\"cases\": 3}", "The JSON file should hold"), ("x.json", b"{not json", "This is not a JSON file"),
     ("x.xlsx", b"PK\x03\x04garbage", "This does not look like an Excel"),
     ("x.csv", "prs_Gender\nFeminine\n".encode("utf-16"), "The file is not in UTF-8")],
)  # fmt: skip
def test_a_file_that_cannot_be_read_is_refused_in_plain_words(world: Any, name: str, data: bytes, reason: str) -> None:
    report = h.import_bytes(name, data, actor=world["org_admin"], organisation=world.alice_org, program=world.program)
    assert not report.saved and report.refused.startswith(reason)


def test_an_odk_central_csv_of_the_standards_xlsform_imports(world: Any) -> None:
    report = h.import_file(h.DATA / "htcds" / "odk_central_htcds.csv", actor=world["org_admin"],
                           organisation=world.alice_org, program=world.program)  # fmt: skip
    assert report.saved and (report.cases_created, report.people_created) == (2, 2), report.problems
    tomas = Person.objects.get(htcds_link__ref="odk:uuid:6b1f3c0e-5d0a-4c5e-9a57-0d1b5c1c2a01:1")
    assert (tomas.given_name, tomas.family_name, tomas.gender) == ("Tomas", "Novak", "Masculine")
    assert tomas.phone == "+420601234567" and tomas.address == "Hlavni 5, Brno, 60200, CZ"
    assert tomas.htcds_extra["vic_TraffickingStatus"] == "PossibleVictimOfTrafficking"
    case = Case.objects.get(htcds_link__ref="odk:uuid:6b1f3c0e-5d0a-4c5e-9a57-0d1b5c1c2a01")
    assert case.referral_date == datetime.date(2025, 1, 28) and case.status == CaseStatus.REFERRED
    harm = Harm.objects.get(case=case)
    assert harm.methods_of_control == ["DebtBondage", "TakesEarnings", "WithholdsDocuments"]  # the standard's order
    assert case.htcds_extra["cas_ReferringOrganisation"] == "City Police Unit"
    lina_case = Case.objects.get(htcds_link__ref="odk:uuid:0a9d2e4f-1b2c-4d3e-8f90-112233445566")
    assert lina_case.status == CaseStatus.FOLLOW_UP


def test_a_kobotoolbox_csv_with_group_paths_and_split_choices_imports(world: Any) -> None:
    report = h.import_file(h.DATA / "htcds" / "kobo_htcds.csv", actor=world["org_admin"],
                           organisation=world.alice_org, program=world.program)  # fmt: skip
    assert report.saved and report.cases_created == 1, report.problems
    person = Person.objects.get(htcds_link__ref="odk:5e0c1b2a-3d4e-4f50-8a6b-7c8d9e0f1a2b:1")
    assert (person.given_name, list(person.citizenship)) == ("Ibrahim", ["NG"])
    assert Harm.objects.get().methods_of_control == ["PhysicalThreats", "DebtBondage"]


def test_every_field_of_the_standards_xlsform_is_matched_by_the_alias_map() -> None:
    sheet = load_workbook(h.XLSFORM, read_only=True)["survey"]
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[1]]
    resolved = {name: importing.resolve(name) for name in names}
    assert {n for n, (what, _f) in resolved.items() if what == "skip"} == {"start", "end", "__version__"}
    fields = {n: f for n, (what, f) in resolved.items() if what == "field"}
    assert len(fields) == len(names) - 3
    assert fields["prs_First_Name"] == "prs_FirstName" and fields["vic_Methods_of_Control"] == "vic_MethodsOfControl"
    assert importing.resolve("person-prs_Gender") == ("field", "prs_Gender")  # ODK Central's group prefix
    assert importing.resolve("group_a/group_b/prs_Gender") == ("field", "prs_Gender")  # KoboToolbox's path
    assert importing.resolve("meta-instanceID") == ("skip", "instanceID")
    assert importing.resolve("shoe_size") == ("unknown", "shoe_size")
