import csv
import json
from pathlib import Path

from reparo.core.htcds import HTCDS_FIELDS

ROOT = Path(__file__).resolve().parents[2]
DATA = json.loads((ROOT / "reparo/core/data/htcds_codes.json").read_text())["lists"]
# The standard's field list, kept with the tests (CC BY 4.0, IOM; tests/data/htcds-2.0/README.md).
REFERENCE = ROOT / "tests/data/htcds-2.0/field-standards-2.0.csv"


def test_it_uses_the_vendored_htcds_code_values_exactly():
    for field, choices in HTCDS_FIELDS.items():
        assert list(choices.values) == [value for value, _label in DATA[field]], field


def test_it_matches_the_htcds_reference_standard():
    rows = {r["Field Name including Prefix"]: r for r in csv.DictReader(REFERENCE.open(encoding="utf-8"))}
    for field, choices in HTCDS_FIELDS.items():
        assert list(choices.values) == [v.strip() for v in rows[field]["Value Names (if picklist)"].split("\n")]
