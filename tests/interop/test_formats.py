"""The files Reparo writes, checked against the standard itself: this test reads field-standards-2.0.csv on its own
(the copy kept with the tests), not Reparo's reading of it, and checks every column name and every code value."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from django_countries import countries
from hypothesis import given
from hypothesis import strategies as st

from reparo.interop import formats
from reparo.people.models import Person
from tests.interop import helpers as h

pytestmark = pytest.mark.django_db

FLAT_SECTIONS = {"Person", "Person - Victim Context", "Person - Perpetrator Context", "Case", "Referral Details",
                 "Consent"}  # fmt: skip
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_standard() -> dict[str, dict[str, Any]]:
    """Field name -> {section, type, values} straight from the standard's CSV."""
    out: dict[str, dict[str, Any]] = {}
    section = ""
    with h.STANDARD_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["Section"].strip():
                section = " ".join(row["Section"].split())
            name = (row["Field Name including Prefix"] or "").strip()
            if not name and (row["Field Name Prefix"] or "").strip() and (row["Field Name"] or "").strip():
                name = row["Field Name Prefix"].strip() + row["Field Name"].strip()  # the per_Organisation row
            if not name or name == "N/A":
                continue
            names = row["Value Names (if picklist)"] or ""
            iso = "ISO 3166" if "3166" in names + (row["Value Labels (if picklist)"] or "") else (
                "ISO 639" if "639" in names else "")  # fmt: skip
            out[name] = {
                "section": section,
                "type": (row["Field Type"] or "").strip(),
                "values": [] if iso else [v.strip() for v in names.split("\n") if v.strip()],
                "iso": iso,
            }
    return out


def _check_value(name: str, spec: dict[str, Any], value: str) -> None:
    if value == "":
        return
    parts = value.split(";") if "Multiselect" in spec["type"] else [value]
    if spec["values"]:
        assert all(p in spec["values"] for p in parts), (name, value)
    elif spec["iso"] == "ISO 3166" or name.endswith("Country"):
        assert all(p in dict(countries) for p in parts), (name, value)
    elif spec["iso"] == "ISO 639":
        assert re.fullmatch(r"[a-z]{2}", value), (name, value)
    elif spec["type"] == "Date":
        assert DATE.match(value), (name, value)
    elif spec["type"] == "Checkbox":
        assert value in ("TRUE", "FALSE"), (name, value)


@pytest.fixture
def exported(world: Any) -> str:
    args = {"actor": world["org_admin"], "organisation": world.alice_org, "program": world.program}
    for path in (h.FULL, h.DATA / "htcds" / "odk_central_htcds.csv", h.DATA / "htcds" / "kobo_htcds.csv"):
        assert h.import_file(path, **args).saved
    h.share(Person.objects.filter(organisation=world.alice_org), world.partner, recorder=world["org_admin"])
    return h.export_text(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)


def test_the_flat_export_has_every_field_of_the_standard_and_only_those(exported: str) -> None:
    standard = read_standard()
    header = next(csv.reader(io.StringIO(exported)))
    assert header[:3] == ["reparo_case_ref", "reparo_person_ref", "reparo_role"]
    for column in header[3:]:
        assert column in standard and standard[column]["section"] in FLAT_SECTIONS, column
    assert set(header[3:]) == {n for n, s in standard.items() if s["section"] in FLAT_SECTIONS}


def test_every_code_value_of_the_export_is_one_the_standard_lists(exported: str) -> None:
    standard = read_standard()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 7  # four from the full file, two from ODK Central, one from KoboToolbox
    checked = 0
    for row in rows:
        assert row["reparo_role"] in ("victim", "perpetrator")
        for name, value in row.items():
            if name.startswith("reparo_"):
                continue
            _check_value(name, standard[name], value)
            checked += bool(value)
    assert checked > 100


def test_every_code_value_of_the_json_export_is_one_the_standard_lists(world: Any, exported: str) -> None:
    standard = read_standard()
    out = h.export_json(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner)

    def walk(obj: dict[str, Any]) -> None:
        for name, value in obj.items():
            if name in standard:
                text = ";".join(value) if isinstance(value, list) else (
                    ("TRUE" if value else "FALSE") if isinstance(value, bool) else str(value))  # fmt: skip
                _check_value(name, standard[name], text)
            elif isinstance(value, list):
                for item in value:
                    walk(item)
            elif isinstance(value, dict):
                walk(value)
            else:
                assert name.startswith("reparo_") or name == "standard", name

    walk(out)
    assert json.dumps(out).count("hte_Type") == 2


def test_reparo_reads_the_same_standard_file_as_the_tests() -> None:
    from reparo.interop import standard

    assert standard.DATA.read_bytes() == h.STANDARD_CSV.read_bytes()
    ours = standard.fields()
    for name, spec in read_standard().items():
        assert list(ours[name].codes) == spec["values"], name


def test_the_xlsx_export_holds_the_same_columns_and_values_as_the_csv(world: Any, exported: str) -> None:
    """So every column name and code value checked above holds for the spreadsheet too (every cell is text)."""
    from openpyxl import load_workbook

    result = h.services.htcds_export(actor=world["org_admin"], organisation=world.alice_org, recipient=world.partner,
                                     file_format="xlsx")  # fmt: skip
    sheet = load_workbook(io.BytesIO(b"".join(result.chunks)), read_only=True).worksheets[0]
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert all(isinstance(v, str) for row in cells for v in row)
    assert cells == list(csv.reader(io.StringIO(exported)))


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("-5 days", "'-5 days"),
        ("+44 20 7946 0958", "'+44 20 7946 0958"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("'quoted", "''quoted"),
        ("-5", "-5"),
        ("-0.1278", "-0.1278"),
        ("+441234567890", "+441234567890"),
        ("Maria", "Maria"),
        ("", ""),
    ],
)
def test_it_writes_csv_cells_a_spreadsheet_will_not_run_and_reads_them_back(value: str, cell: str) -> None:
    assert formats.csv_cell(value) == cell
    assert formats.csv_value(cell) == value


@given(st.text())
def test_it_reads_back_every_csv_cell_exactly_and_none_runs_as_a_formula(value: str) -> None:
    cell = formats.csv_cell(value)
    assert formats.csv_value(cell) == value
    assert not cell.startswith(formats.FORMULA_START) or formats.PLAIN_NUMBER.fullmatch(cell)
