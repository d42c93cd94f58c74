"""Reading ODK Central with pyodk, against the recorded answer served at the HTTP layer (never the network)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from reparo.interop import central
from tests.interop.central_stub import CONF, TOKEN, StubCentral


@pytest.fixture
def stub(monkeypatch: Any) -> StubCentral:
    return StubCentral().install(monkeypatch)


def test_it_signs_in_reads_every_page_of_the_form_and_signs_out(stub: StubCentral, monkeypatch: Any) -> None:
    monkeypatch.setattr(central, "PAGE", 2)
    found = central.fetch(CONF)
    assert [s.instance_id for s in found] == [
        "uuid:6b1f3c0e-5d0a-4c5e-9a57-0d1b5c1c2a01",
        "uuid:3c4d5e6f-7081-4a92-b3c4-d5e6f7a8b9c0",
        "uuid:9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a",
        "uuid:5f6a7b8c-9d0e-4f1a-8b2c-3d4e5f6a7b8c",  # an edited submission keeps its first id, not the edit's
    ]
    table = "/v1/projects/7/forms/htcds_xlsform.svc/Submissions"
    assert stub.calls[0] == ("POST", "/v1/sessions")
    assert stub.tables_read() == [f"{table}?%24skip=0&%24top=2", f"{table}?%24skip=2&%24top=2",
                                  f"{table}?%24skip=4&%24top=2"]  # fmt: skip
    assert stub.calls[-1] == ("DELETE", "/v1/sessions/current") and not stub.signed_in


def test_each_submission_reads_as_the_columns_of_a_central_csv(stub: StubCentral) -> None:
    tomas, amara, rejected, nadia = central.fetch(CONF)
    assert tomas.submitted_at == datetime.datetime(2025, 2, 1, 10, 15, 2, 113000, tzinfo=datetime.UTC)
    assert (tomas.review_state, amara.review_state, rejected.review_state) == ("approved", "received", "rejected")
    assert tomas.columns["prs_First_Name"] == "Tomas"
    assert tomas.columns["vic_Methods_of_Control"] == "DebtBondage WithholdsDocuments TakesEarnings"
    assert tomas.columns["prs_Email"] == ""  # unanswered
    assert tomas.columns["meta-instanceID"] == "uuid:6b1f3c0e-5d0a-4c5e-9a57-0d1b5c1c2a01"
    assert nadia.columns["meta-deprecatedID"] == nadia.instance_id
    assert not any(name.startswith("__system") for name in tomas.columns)


def test_groups_repeats_and_yes_no_answers_flatten_as_central_writes_them() -> None:
    row = {"__id": "uuid:1", "person": {"prs_Gender": "Feminine", "address": {"prs_MailingCity": "Lyon"}},
           "household": [{"name": "a"}, {"name": "b"}], "prs_Deceased": False, "count": 3}  # fmt: skip
    assert central.flatten(row) == {
        "person-prs_Gender": "Feminine", "person-address-prs_MailingCity": "Lyon", "household": "[2]",
        "prs_Deceased": "false", "count": "3",
    }  # fmt: skip


def test_a_wrong_password_is_said_in_plain_words_without_the_password(stub: StubCentral) -> None:
    wrong = central.OdkCentral(url=CONF.url, project=7, form=CONF.form, username=CONF.username, password="nope-123")
    with pytest.raises(central.CentralUnavailable) as refused:
        central.fetch(wrong)
    assert "did not accept the user name and password" in refused.value.reason
    assert "nope-123" not in refused.value.reason and "nope-123" not in repr(wrong)


def test_an_unknown_form_and_an_unreachable_server_are_said_in_plain_words(stub: StubCentral) -> None:
    other = central.OdkCentral(url=CONF.url, project=7, form="no_such_form", username=CONF.username,
                               password=CONF.password)  # fmt: skip
    with pytest.raises(central.CentralUnavailable) as missing:
        central.fetch(other)
    assert "no such project or form" in missing.value.reason
    stub.down = True
    with pytest.raises(central.CentralUnavailable) as down:
        central.fetch(CONF)
    assert "could not be reached" in down.value.reason


def test_the_session_token_is_kept_in_memory_only(stub: StubCentral, monkeypatch: Any, tmp_path: Path) -> None:
    from pyodk._utils import config as pyodk_config

    cache = tmp_path / "pyodk_cache.toml"
    monkeypatch.setitem(pyodk_config.defaults, "PYODK_CACHE_FILE", cache)
    monkeypatch.delenv("PYODK_CACHE_FILE", raising=False)
    central.fetch(CONF)
    assert not cache.exists()
    assert not any(TOKEN in str(p.read_bytes()) for p in tmp_path.iterdir())
