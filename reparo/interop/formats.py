"""Writing HTCDS files: flat CSV and XLSX (one row per person per case), JSON (one object per case), and the
de-identified file. CSV and JSON are written piece by piece, so that a large export streams.

The JSON layout is Reparo's own (HTCDS has no JSON schema): ``{"standard": "HTCDS 2.0", "cases": [...]}``, each case
``{"reparo_case_ref", cas_* fields, "referral": {...}, "persons": [...], "historic_trafficking_events": [...],
"support_plans": [...], "comments": [...]}``, each person ``{"reparo_person_ref", "reparo_role", prs_*, vic_*, per_*,
con_Consent}``; empty fields are left out; multiselects are lists, checkboxes true/false, numbers numbers.

CSV cells are protected from spreadsheet formula injection (:func:`csv_cell`): a cell that a spreadsheet would run
as a formula, or one that already starts with an apostrophe, is written with one apostrophe in front; a plain number
(``-5``, ``-0.1278``, ``+441234567890``) is left as it is, because a spreadsheet reads it as a number, never as a
formula. :func:`csv_value` undoes exactly that, and the import applies it to CSV files in Reparo's layout, so export →
import → export gives the same bytes. XLSX cells are always written as text, which a spreadsheet never runs, so they
are not changed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from reparo.interop import records, standard, values
from reparo.interop.deidentify import COLUMNS as DEIDENTIFIED_COLUMNS
from reparo.interop.deidentify import DeidentifiedFile

CSV, XLSX, JSON = "csv", "xlsx", "json"
FORMATS = (CSV, XLSX, JSON)
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    JSON: "application/json",
}
SHEET = "HTCDS"
ABOUT_SHEET = "About"


# What a spreadsheet may read as the start of a formula (OWASP's list), and the apostrophe that keeps it text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_MARK = "'"
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def csv_cell(value: str) -> str:
    """``value`` as a CSV cell a spreadsheet will not run as a formula: with an apostrophe in front when it starts as
    a formula would (and is not a plain number) or already starts with an apostrophe (so that :func:`csv_value` can
    always take exactly one away)."""
    if value.startswith(TEXT_MARK) or (value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value)):
        return TEXT_MARK + value
    return value


def csv_value(cell: str) -> str:
    """The value :func:`csv_cell` wrote as ``cell`` (its one leading apostrophe taken away, if it has one)."""
    return cell[len(TEXT_MARK) :] if cell.startswith(TEXT_MARK) else cell


def flat_header() -> list[str]:
    return [*records.REPARO_COLUMNS, *standard.flat_columns()]


def flat_rows(cases: Iterable[records.CaseRecord]) -> Iterator[list[str]]:
    names = standard.flat_columns()
    for case in cases:
        for person in case.persons:
            merged = {**case.values, **person.values}
            yield [case.ref, person.ref, person.role, *[merged.get(n, "") for n in names]]


def _line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([csv_cell(str(cell)) for cell in row])
    return out.getvalue()


def csv_chunks(cases: Iterable[records.CaseRecord]) -> Iterator[str]:
    yield _line(flat_header())
    for row in flat_rows(cases):
        yield _line(row)


def xlsx_bytes(header: list[str], rows: Iterable[list[str]], *, about: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # always text: a value is never read as a number, a date or a formula
            cells.append(cell)
        sheet.append(cells)
    if about:
        info = book.create_sheet(ABOUT_SHEET)
        info.append([about])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _typed(names: list[str], found: dict[str, str]) -> dict[str, Any]:
    return {n: values.to_json(standard.field(n), found[n]) for n in names if found.get(n)}


def case_json(case: records.CaseRecord) -> dict[str, Any]:
    case_names = records.section_fields(standard.CASE)
    referral = records.section_fields(standard.REFERRAL)
    person_names = records.person_fields()
    return {
        records.CASE_REF: case.ref,
        **_typed(case_names, case.values),
        "referral": _typed(referral, case.values),
        "persons": [
            {records.PERSON_REF: p.ref, records.ROLE: p.role, **_typed(person_names, p.values)} for p in case.persons
        ],
        "historic_trafficking_events": [_typed(records.section_fields(standard.EVENTS), e) for e in case.events],
        "support_plans": [_typed(records.section_fields(standard.SUPPORT_PLAN), s) for s in case.plans],
        "comments": [_typed(records.section_fields(standard.COMMENT), c) for c in case.comments],
    }


def json_chunks(cases: Iterable[records.CaseRecord]) -> Iterator[str]:
    yield '{"standard": "HTCDS 2.0", "cases": ['
    first = True
    for case in cases:
        yield ("\n" if first else ",\n") + json.dumps(case_json(case), ensure_ascii=False, sort_keys=False)
        first = False
    yield "\n]}\n"


# --- the de-identified file -----------------------------------------------------------------------------------


def deidentified_csv(result: DeidentifiedFile) -> Iterator[str]:
    yield f"# {result.about()}\n"
    yield _line(list(DEIDENTIFIED_COLUMNS))
    for row in result.rows:
        yield _line([row[c] for c in DEIDENTIFIED_COLUMNS])


def deidentified_json(result: DeidentifiedFile) -> Iterator[str]:
    about = {
        "note": result.about(),
        "k": result.k,
        "rows": len(result.rows),
        "generalised": result.generalised,
        "suppressed": result.suppressed,
    }
    yield json.dumps({"standard": "HTCDS 2.0", "about": about, "rows": result.rows}, ensure_ascii=False) + "\n"


def deidentified_xlsx(result: DeidentifiedFile) -> bytes:
    rows = ([row[c] for c in DEIDENTIFIED_COLUMNS] for row in result.rows)
    return xlsx_bytes(list(DEIDENTIFIED_COLUMNS), rows, about=result.about())
