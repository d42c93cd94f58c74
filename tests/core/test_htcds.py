import csv
import json
from pathlib import Path

import pytest

from reparo.core.htcds import HTCDS_FIELDS

ROOT = Path(__file__).resolve().parents[2]
DATA = json.loads((ROOT / "reparo/core/data/htcds_codes.json").read_text())["lists"]
REFERENCE = ROOT.parent / "shared/reference/htcds-2.0/field-standards-2.0.csv"


def test_it_uses_the_vendored_htcds_code_values_exactly():
    for field, choices in HTCDS_FIELDS.items():
        assert list(choices.values) == [value for value, _label in DATA[field]], field


def test_it_matches_the_htcds_reference_standard():
    if not REFERENCE.exists():
        pytest.skip(f"the HTCDS reference is not beside this checkout ({REFERENCE}); CI and developers have it")
    rows = {r["Field Name including Prefix"]: r for r in csv.DictReader(REFERENCE.open(encoding="utf-8"))}
    for field, choices in HTCDS_FIELDS.items():
        assert list(choices.values) == [v.strip() for v in rows[field]["Value Names (if picklist)"].split("\n")]
