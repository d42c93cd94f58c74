"""Reading HTCDS files: CSV, XLSX or JSON in the layout Reparo exports, and the CSV that ODK Central or KoboToolbox
export for a form built from the standard's own XLSForm (``htcds_xlsform.xlsx``). Every value is checked against the
standard (:mod:`reparo.interop.values`); every problem is reported with its line (or place in a JSON file), its
column and the reason, in plain words. Nothing is written here (see :func:`reparo.interop.services.htcds_import`).

Column names are matched to the standard's fields through one alias map, :data:`ALIASES`, after dropping group
prefixes (ODK Central joins groups with ``-``, KoboToolbox with ``/``); names that differ only in case or underscores
(``prs_first_name``) match too. ODK's and Kobo's own columns (submission date, instance id, ...) are set aside; the
submission's instance id becomes the record's reference, so that importing the same export again finds it.

A CSV file in Reparo's own layout (it has the ``reparo_case_ref`` column) had its cells protected from spreadsheet
formula injection when it was written; each cell is read back through :func:`reparo.interop.formats.csv_value`,
which undoes exactly that (one leading apostrophe). Other CSV files, and XLSX and JSON files, are read as they are.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from reparo.interop import records, standard, values
from reparo.interop.formats import csv_value

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000

# The standard's XLSForm (htcds_xlsform.xlsx, version vSmt4GQA3C9uBMLPEVfgND) names these fields differently from the
# standard's field list. Other spellings that differ only in case or underscores are matched without an entry here.
ALIASES = {
    "prs_First_Name": "prs_FirstName",
    "prs_Second_Name": "prs_SecondName",
    "vic_Methods_of_Control": "vic_MethodsOfControl",
}
# Columns ODK Central and KoboToolbox add to every export, set aside (the first of ROW_KEYS found names the record).
ROW_KEYS = ("instanceID", "KEY", "_uuid")
ODK_COLUMNS = frozenset(
    {"SubmissionDate", "start", "end", "today", "deviceid", "instanceID", "instanceName", "KEY", "SubmitterID",
     "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits",
     "FormVersion", "__version__", "version", "uuid", "_id", "_uuid", "_submission_time", "_validation_status",
     "_notes", "_status", "_submitted_by", "_tags", "_index", "_parent_index", "_parent_table_name",
     "_attachments", "_geolocation", "_xform_id_string", "audit", "audit_URL", "deprecatedID"}
)  # fmt: skip
JSON_CASE_KEYS = frozenset(
    {records.CASE_REF, "referral", "persons", "historic_trafficking_events", "support_plans", "comments"}
)


@dataclass(frozen=True)
class Problem:
    line: str  # a line number of a CSV or XLSX file, or a place in a JSON file ("case 3, person 2")
    column: str
    reason: str

    @property
    def place(self) -> str:
        """Where the problem is, in words: "Line 12", or the place in a JSON file."""
        return _("Line %(line)s") % {"line": self.line} if self.line.isdigit() else self.line


@dataclass
class ParsedFile:
    cases: list[records.CaseRecord] = field(default_factory=list)
    lines: dict[str, str] = field(default_factory=dict)  # case ref -> where it starts in the file
    invalid: set[str] = field(default_factory=set)  # refs of cases with a problem
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0

    @property
    def valid_cases(self) -> list[records.CaseRecord]:
        return [c for c in self.cases if c.ref not in self.invalid]


class FileRefused(Exception):
    """The file as a whole cannot be read (wrong kind, too big, no header): nothing in it is looked at."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- columns --------------------------------------------------------------------------------------------------


def _squash(name: str) -> str:
    return name.replace("_", "").lower()


def _by_squashed() -> dict[str, str]:
    return {_squash(name): name for name in standard.fields()}


def resolve(column: str) -> tuple[str, str]:
    """What a column of a file is: ``("field", name)``, ``("reparo", name)``, ``("skip", name)`` (a column of ODK or
    KoboToolbox, or one of their one-column-per-choice copies of a multiselect) or ``("unknown", column)``."""
    name = column.strip().lstrip("\ufeff")
    if name in records.REPARO_COLUMNS:
        return "reparo", name
    parts = [p for p in name.replace("/", "-").split("-") if p]
    if len(parts) >= 2:
        parent = _field_name(parts[-2])
        if parent and standard.field(parent).multiple and parts[-1].strip() in standard.field(parent).codes:
            return "skip", name
    last = parts[-1] if parts else name
    if last in ODK_COLUMNS or name in ODK_COLUMNS:
        return "skip", last
    found = _field_name(last)
    return ("field", found) if found else ("unknown", name)


def _field_name(name: str) -> str | None:
    if name in standard.fields():
        return name
    if name in ALIASES:
        return ALIASES[name]
    return _by_squashed().get(_squash(name))


def read_answers(columns: dict[str, str]) -> tuple[dict[str, str], list[Problem]]:
    """The standard's fields of one form submission (column -> answer, as :func:`reparo.interop.central.flatten`
    gives them), each checked and in canonical form, and what could not be read (an answer the standard does not
    allow is left empty and reported). The problems name the column; a submission has no line."""
    found: dict[str, str] = {}
    problems: list[Problem] = []
    for column, answer in columns.items():
        what, name = resolve(column)
        if what in ("skip", "reparo"):
            continue
        if what == "unknown":
            if answer.strip():
                problems.append(Problem("", column, _("This question is not a field of HTCDS 2.0.")))
            continue
        if name in found:
            problems.append(Problem("", column, _("This question is the same field as another one.")))
            continue
        try:
            found[name] = values.canonical(standard.field(name), answer)
        except values.Invalid as exc:
            problems.append(Problem("", column, exc.reason))
            found[name] = ""
    return found, problems


# --- reading files --------------------------------------------------------------------------------------------


def _kind(file_name: str, data: bytes) -> str:
    lowered = file_name.lower()
    if lowered.endswith(".xlsx") or data[:2] == b"PK":
        return "xlsx"
    if lowered.endswith(".json") or data.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "csv"


def _csv_rows(data: bytes) -> Iterator[tuple[str, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRefused(_("The file is not in UTF-8. Save it as “CSV UTF-8” and try again.")) from None
    if "\x00" in text:
        raise FileRefused(_("This does not look like a CSV file."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # KoboToolbox can separate with ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for row in reader:
            if row and row[0].startswith("#") and start == 1 and len(row) == 1:
                start = reader.line_num + 1  # a comment line before the header
                continue
            yield str(start), row
            start = reader.line_num + 1
    except csv.Error:
        raise FileRefused(_("The CSV file is damaged near line %(line)s.") % {"line": start}) from None


def _xlsx_rows(data: bytes) -> Iterator[tuple[str, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any failure to open is "not a spreadsheet"
        raise FileRefused(_("This does not look like an Excel (XLSX) file.")) from None
    sheet = book.worksheets[0]
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield str(number), ["" if v is None else _cell_text(v) for v in row]
    book.close()


def _cell_text(value: Any) -> str:
    import datetime

    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time.min else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- rows to records ------------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: str
    values: dict[str, str]  # field -> canonical value
    columns: dict[str, str]  # field -> the column it came from
    case_ref: str
    person_ref: str
    role: str


def parse(file_name: str, data: bytes) -> ParsedFile:
    """Read and check a whole file. Raises :class:`FileRefused` when it cannot be read at all."""
    if len(data) > MAX_BYTES:
        raise FileRefused(_("The file is larger than 20 MB. Split it and import the parts."))
    if not data.strip():
        raise FileRefused(_("The file is empty."))
    kind = _kind(file_name, data)
    if kind == "json":
        return _parse_json(data)
    rows = _csv_rows(data) if kind == "csv" else _xlsx_rows(data)
    return _parse_table(rows, from_csv=kind == "csv")


def _parse_table(rows: Iterator[tuple[str, list[str]]], *, from_csv: bool = False) -> ParsedFile:
    parsed = ParsedFile()
    try:
        header_line, header = next(rows)
    except StopIteration:
        raise FileRefused(_("The file has no header row.")) from None
    columns: list[tuple[str, str, str]] = []  # (what, name, column as written)
    seen: dict[str, str] = {}
    for column in header:
        what, name = resolve(column)
        if what == "unknown" and column.strip():
            parsed.problems.append(Problem(header_line, column, _("This column is not a field of HTCDS 2.0.")))
        if what in ("field", "reparo"):
            if name in seen:
                parsed.problems.append(
                    Problem(header_line, column, _("This column is the same field as “%(other)s”.")
                            % {"other": seen[name]})
                )  # fmt: skip
            seen[name] = column
        columns.append((what, name, column))
    if not any(what == "field" for what, _n, _c in columns):
        raise FileRefused(_("The header row has no HTCDS 2.0 field. Is this the right file?"))
    key_index = next((i for i, (_w, name, _c) in enumerate(columns) if name in ROW_KEYS), None)
    written_by_reparo = from_csv and any(what == "reparo" and name == records.CASE_REF for what, name, _c in columns)
    table_rows = []
    for line, raw_cells in rows:
        if not any(c.strip() for c in raw_cells):
            continue
        cells = [csv_value(c) for c in raw_cells] if written_by_reparo else raw_cells
        parsed.rows += 1
        if parsed.rows > MAX_ROWS:
            raise FileRefused(_("The file has more than 50,000 rows. Split it and import the parts."))
        table_rows.append(_row(parsed, line, cells, columns, key_index))
    _group(parsed, table_rows)
    return parsed


def _row(
    parsed: ParsedFile, line: str, cells: list[str], columns: list[tuple[str, str, str]], key_index: int | None
) -> _Row:
    found: dict[str, str] = {}
    where: dict[str, str] = {}
    reparo: dict[str, str] = {}
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        parsed.problems.append(Problem(line, "", _("This row has more values than the header has columns.")))
    for (what, name, column), cell in zip(columns, cells, strict=False):
        if what == "reparo":
            reparo[name] = cell.strip()
        elif what == "field":
            try:
                found[name] = values.canonical(standard.field(name), cell)
            except values.Invalid as exc:
                parsed.problems.append(Problem(line, column, exc.reason))
                found[name] = ""
                reparo.setdefault("_bad", "1")
            where[name] = column
    row_key = cells[key_index].strip() if key_index is not None and key_index < len(cells) else ""
    case_ref = reparo.get(records.CASE_REF) or (f"odk:{row_key}" if row_key else "")
    if not case_ref:
        digest = hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest()[:24]
        case_ref = f"row:{digest}"
    person_ref = reparo.get(records.PERSON_REF) or f"{case_ref}:1"
    role = reparo.get(records.ROLE, "").lower()
    if role and role not in records.ROLES:
        parsed.problems.append(Problem(line, records.ROLE, _("Write “victim” or “perpetrator”.")))
        reparo["_bad"] = "1"
        role = ""
    if not role:
        role = records.PERPETRATOR if any(found.get(n) for n in _perpetrator_fields()) else records.VICTIM
    for name, ref in ((records.CASE_REF, case_ref), (records.PERSON_REF, person_ref)):
        if len(ref) > 128:
            parsed.problems.append(Problem(line, name, _("A reference can be at most 128 characters long.")))
            reparo["_bad"] = "1"
    row = _Row(line=line, values=found, columns=where, case_ref=case_ref[:128], person_ref=person_ref[:128], role=role)
    if reparo.get("_bad"):
        parsed.invalid.add(row.case_ref)
    return row


def _perpetrator_fields() -> list[str]:
    return records.section_fields(standard.PERPETRATOR)


def _person_level(name: str) -> bool:
    return name in set(records.person_fields()) and name not in records.HARM_FIELDS


def _group(parsed: ParsedFile, rows: list[_Row]) -> None:
    cases: dict[str, records.CaseRecord] = {}
    first_line: dict[str, _Row] = {}
    person_first: dict[str, _Row] = {}
    case_fields = records.case_fields()
    person_fields = records.person_fields()
    for row in rows:
        case = cases.get(row.case_ref)
        if case is None:
            case = cases[row.case_ref] = records.CaseRecord(
                ref=row.case_ref, values={n: row.values.get(n, "") for n in case_fields}
            )
            first_line[row.case_ref] = row
            parsed.lines[row.case_ref] = row.line
        else:
            for name in case_fields:
                if row.values.get(name, "") != case.values.get(name, ""):
                    parsed.problems.append(
                        Problem(row.line, row.columns.get(name, name),
                                _("This differs from line %(line)s, which is about the same case.")
                                % {"line": first_line[row.case_ref].line})
                    )  # fmt: skip
                    parsed.invalid.add(row.case_ref)
        if any(p.ref == row.person_ref for p in case.persons):
            parsed.problems.append(
                Problem(row.line, records.PERSON_REF, _("This person is already on an earlier line of this case."))
            )
            parsed.invalid.add(row.case_ref)
            continue
        earlier = person_first.get(row.person_ref)
        if earlier is None:
            person_first[row.person_ref] = row
        else:
            for name in person_fields:
                if _person_level(name) and row.values.get(name, "") != earlier.values.get(name, ""):
                    parsed.problems.append(
                        Problem(row.line, row.columns.get(name, name),
                                _("This differs from line %(line)s, which is about the same person.")
                                % {"line": earlier.line})
                    )  # fmt: skip
                    parsed.invalid.add(row.case_ref)
        case.persons.append(
            records.PersonRecord(
                ref=row.person_ref, role=row.role, values={n: row.values.get(n, "") for n in person_fields}
            )
        )
    for ref, case in cases.items():
        if not any(p.role == records.VICTIM for p in case.persons):
            parsed.problems.append(
                Problem(first_line[ref].line, records.ROLE, _("A case needs at least one survivor (a victim row)."))
            )
            parsed.invalid.add(ref)
    parsed.cases = list(cases.values())


# --- JSON -----------------------------------------------------------------------------------------------------


def _json_values(
    parsed: ParsedFile, where: str, found: dict[str, Any], allowed: list[str], extra_keys: frozenset[str]
) -> tuple[dict[str, str], bool]:
    out = dict.fromkeys(allowed, "")
    bad = False
    for key, raw in found.items():
        if key in extra_keys:
            continue
        if key not in allowed:
            parsed.problems.append(Problem(where, key, _("This is not a field of HTCDS 2.0 that belongs here.")))
            bad = True
            continue
        f = standard.field(key)
        try:
            out[key] = values.canonical(f, values.from_json(f, raw))
        except values.Invalid as exc:
            parsed.problems.append(Problem(where, key, exc.reason))
            bad = True
    return out, bad


def _list_of_objects(parsed: ParsedFile, where: str, key: str, value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        parsed.problems.append(Problem(where, key, _("This should be a list of objects.")))
        return []
    return value


def _parse_json(data: bytes) -> ParsedFile:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise FileRefused(_("This is not a JSON file that can be read.")) from None
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise FileRefused(_("The JSON file should hold an object with a list of “cases”."))
    parsed = ParsedFile()
    case_names = records.case_fields()
    person_names = records.person_fields()
    person_first: dict[str, tuple[str, dict[str, str]]] = {}
    seen_cases: set[str] = set()
    for i, raw_case in enumerate(document["cases"], start=1):
        where = _("case %(n)s") % {"n": i}
        parsed.rows += 1
        if parsed.rows > MAX_ROWS:
            raise FileRefused(_("The file has more than 50,000 cases. Split it and import the parts."))
        if not isinstance(raw_case, dict):
            parsed.problems.append(Problem(where, "", _("A case should be an object.")))
            continue
        ref = str(raw_case.get(records.CASE_REF) or "").strip()
        if not ref:
            digest = hashlib.sha256(json.dumps(raw_case, sort_keys=True, default=str).encode()).hexdigest()[:24]
            ref = f"json:{digest}"
        bad = False
        if len(ref) > 128 or ref in seen_cases:
            parsed.problems.append(Problem(where, records.CASE_REF, _("This reference is too long or used twice.")))
            bad = True
        seen_cases.add(ref)
        referral = raw_case.get("referral") or {}
        if not isinstance(referral, dict):
            parsed.problems.append(Problem(where, "referral", _("This should be an object.")))
            referral = {}
        own = {k: v for k, v in raw_case.items() if k not in JSON_CASE_KEYS}
        case_values, bad_case = _json_values(parsed, where, {**own, **referral}, case_names, frozenset())
        case = records.CaseRecord(ref=ref[:128], values=case_values)
        bad = bad or bad_case
        for j, raw_person in enumerate(_list_of_objects(parsed, where, "persons", raw_case.get("persons")), start=1):
            place = _("case %(n)s, person %(m)s") % {"n": i, "m": j}
            person_values, bad_person = _json_values(
                parsed, place, raw_person, person_names, frozenset({records.PERSON_REF, records.ROLE})
            )
            person_ref = str(raw_person.get(records.PERSON_REF) or f"{ref}:{j}").strip()[:128]
            role = str(raw_person.get(records.ROLE) or "").lower() or (
                records.PERPETRATOR if any(person_values.get(n) for n in _perpetrator_fields()) else records.VICTIM
            )
            if role not in records.ROLES:
                parsed.problems.append(Problem(place, records.ROLE, _("Write “victim” or “perpetrator”.")))
                bad_person = True
            if any(p.ref == person_ref for p in case.persons):
                parsed.problems.append(Problem(place, records.PERSON_REF, _("This person is already in this case.")))
                bad_person = True
            earlier = person_first.get(person_ref)
            if earlier is None:
                person_first[person_ref] = (place, person_values)
            elif any(_person_level(n) and person_values.get(n, "") != earlier[1].get(n, "") for n in person_names):
                parsed.problems.append(
                    Problem(place, records.PERSON_REF,
                            _("This differs from %(place)s, which is about the same person.") % {"place": earlier[0]})
                )  # fmt: skip
                bad_person = True
            bad = bad or bad_person
            case.persons.append(records.PersonRecord(ref=person_ref, role=role, values=person_values))
        for key, section, target in (
            ("historic_trafficking_events", standard.EVENTS, case.events),
            ("support_plans", standard.SUPPORT_PLAN, case.plans),
            ("comments", standard.COMMENT, case.comments),
        ):
            for k, item in enumerate(_list_of_objects(parsed, where, key, raw_case.get(key)), start=1):
                place = f"{where}, {key} {k}"
                found, bad_item = _json_values(parsed, place, item, records.section_fields(section), frozenset())
                bad = bad or bad_item
                if any(found.values()):
                    target.append(found)
        if not any(p.role == records.VICTIM for p in case.persons):
            parsed.problems.append(Problem(where, records.ROLE, _("A case needs at least one survivor (a victim).")))
            bad = True
        parsed.cases.append(case)
        parsed.lines[case.ref] = where
        if bad:
            parsed.invalid.add(case.ref)
    return parsed
