"""The de-identified (CTDC-style) file: no combination of quasi-identifiers held by fewer than 11 people, no names,
contacts, identity numbers or free text, ages in 5-year bands, dates as years, and the file says what it did."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from collections import Counter
from typing import Any

import pytest

from reparo.cases.models import CaseStatus, ParticipantRole
from reparo.interop import deidentify
from reparo.people.models import Person
from tests.interop import helpers as h
from tests.interop.test_formats import read_standard
from tests.releases import factories as rf

pytestmark = pytest.mark.django_db


def _row(
    age: str, gender: str = "Feminine", country: str = "GB", kind: str = "ForcedLabour", year: str = "2025"
) -> dict[str, str]:
    quasi = {deidentify.AGE: age, deidentify.GENDER: gender, deidentify.CITIZENSHIP: country}
    quasi |= {deidentify.EXPLOITATION: kind, deidentify.YEAR: year}
    return {**quasi, **dict.fromkeys(deidentify.OTHER_COLUMNS, "")}


def test_small_groups_are_generalised_then_suppressed_until_every_group_has_11_people() -> None:
    rows = [_row("25-29") for _ in range(12)] + [_row("20-24") for _ in range(6)] + [_row("60-64", country="PH")]
    rows += [_row("35-39", gender="Masculine", kind="SexualExploitation", year="2024")]
    result = deidentify.k_anonymise(rows, list(range(len(rows))))
    groups = Counter(tuple(r[c] for c in deidentify.QUASI_IDENTIFIERS) for r in result.rows)
    assert min(groups.values()) >= 11
    assert result.suppressed + len(result.rows) == len(rows)
    assert result.generalised >= 6 and result.suppressed <= 1  # the 20-24s had to widen to join the 25-29s


def test_one_outlier_is_suppressed_rather_than_blurring_everyone() -> None:
    rows = [_row("25-29") for _ in range(12)] + [_row("35-39", gender="Masculine", kind="SexualExploitation")]
    result = deidentify.k_anonymise(rows, list(range(len(rows))))
    assert (len(result.rows), result.generalised, result.suppressed) == (12, 0, 1)
    assert {r[deidentify.AGE] for r in result.rows} == {"25-29"}


def test_a_person_with_two_cases_counts_once_in_a_group() -> None:
    rows = [_row("25-29") for _ in range(11)]
    people = [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]  # ten people: not enough
    result = deidentify.k_anonymise(rows, people)
    assert result.rows == [] and result.suppressed == 11


def test_the_bands() -> None:
    assert deidentify.five_year_band(deidentify.age_on(datetime.date(2000, 6, 2), datetime.date(2025, 6, 1))) == "20-24"
    assert deidentify.five_year_band(25) == "25-29" and deidentify.five_year_band(93) == "80+"
    assert (
        deidentify.five_year_band(None) == ""
        and deidentify.age_on(datetime.date(2030, 1, 1), datetime.date.today()) is None
    )


@pytest.fixture
def survivors(world: Any) -> list[Person]:
    """34 survivors who agreed to be counted (named, with contact details) and 3 who did not."""
    rec = world["coordinator"]
    people = []
    for i in range(37):
        kind = ["SexualExploitation"] if i < 20 else ["ForcedLabour"]
        case = rf.counted_case(world.program, recorder=rec, status=CaseStatus.CLOSED, exploitation=kind,
                               reporting=i < 34, gender="Feminine" if i % 3 else "Masculine")  # fmt: skip
        person = case.participants.get(role=ParticipantRole.SURVIVOR).person
        person.given_name, person.family_name = f"Name{i}", "Secretson"
        person.email, person.phone = f"p{i}@example.org", "+447700900000"
        person.date_of_birth = datetime.date(1990 + i % 4, 3, 1)
        person.citizenship = ["GB"] if i != 7 else ["PH"]
        person.htcds_extra = {"prs_IdentityNumber": f"ID{i}", "vic_TraffickingStatus": "ActualVictimOfTrafficking",
                              "vic_DetailsOfVulnerabilities": "a private story"}  # fmt: skip
        person.save()
        people.append(person)
    return people


def _read(text: str) -> tuple[list[str], list[dict[str, str]]]:
    lines = text.splitlines(keepends=True)
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("".join(line for line in lines if not line.startswith("#")))))
    return comments, rows


def test_the_deidentified_export_has_no_small_group_and_no_free_text(world: Any, survivors: list[Person]) -> None:
    text = h.export_text(actor=world["org_admin"], organisation=world.alice_org, deidentified=True)
    comments, rows = _read(text)
    assert len(comments) == 1
    numbers = re.search(r"(\d+) rows, (\d+) of them generalised; (\d+) rows suppressed", comments[0])
    assert numbers is not None
    kept, generalised, suppressed = (int(n) for n in numbers.groups())
    assert kept == len(rows) and kept + suppressed == 34  # the three who did not agree are not counted at all
    assert generalised > 0
    groups = Counter(tuple(r[c] for c in deidentify.QUASI_IDENTIFIERS) for r in rows)
    assert min(groups.values()) >= 11  # each survivor has one case here, so rows are people
    assert list(rows[0]) == list(deidentify.COLUMNS)
    standard = read_standard()
    for row in rows:
        for column, value in row.items():
            if column == deidentify.AGE:
                assert re.fullmatch(r"(\d+-\d+|\d+\+)?", value)
            elif column == deidentify.YEAR:
                assert re.fullmatch(r"(\d{4})?", value)
            else:
                spec = standard[column]
                assert "Text" not in spec["type"] and not spec["type"].startswith("Lookup"), column
                parts = [p for p in value.split(";") if p]
                assert all(p in spec["values"] or (spec["iso"] and len(p) == 2) for p in parts), (column, value)
    for secret in ("Name1", "Secretson", "@example.org", "+4477", "ID1", "private story", "1990-03-01", "T-"):
        assert secret not in text


def test_the_deidentified_json_and_xlsx_say_the_same(world: Any, survivors: list[Person]) -> None:
    from openpyxl import load_workbook

    text = h.export_text(actor=world["org_admin"], organisation=world.alice_org, deidentified=True, file_format="json")
    out = json.loads(text)
    for secret in ("Name1", "Secretson", "@example.org", "+4477", "ID1", "private story", "1990-03-01", "T-"):
        assert secret not in text
    groups = Counter(tuple(r[c] for c in deidentify.QUASI_IDENTIFIERS) for r in out["rows"])
    assert min(groups.values()) >= 11
    assert out["about"]["k"] == 11 and out["about"]["rows"] == len(out["rows"])
    assert out["about"]["rows"] + out["about"]["suppressed"] == 34
    result = h.services.htcds_export(actor=world["org_admin"], organisation=world.alice_org, deidentified=True,
                                     file_format="xlsx")  # fmt: skip
    book = load_workbook(io.BytesIO(b"".join(result.chunks)), read_only=True)
    assert book.sheetnames == ["HTCDS", "About"]
    every_cell = " ".join(str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row)
    for secret in ("Name1", "Secretson", "@example.org", "+4477", "ID1", "private story", "1990-03-01", "T-"):
        assert secret not in every_cell
    assert len(list(book["HTCDS"].iter_rows())) == out["about"]["rows"] + 1
    assert "suppressed" in next(book["About"].iter_rows(values_only=True))[0]
