"""The release pages: who sees them, publishing from the form, the accuracy preview, downloads (audited)."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from pypdf import PdfReader

from reparo.audit.models import AuditEvent
from reparo.releases import report, services
from reparo.releases.models import PrivacyBudget, Release
from tests.conftest import page_title, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(world: Any) -> Release:
    return services.release_publish(
        actor=world["org_admin"], organisation=world.alice_org, title="Figures for funders", epsilon="2",
        tables_chosen=["cases_by_status", "reoffending", "survivors_by_exploitation", "score_changes"],
    )  # fmt: skip


def _new(world: Any) -> str:
    return reverse("releases:new", args=[world.alice_org.pk])


def test_an_evaluator_previews_the_accuracy_then_publishes(client: Any, world: Any) -> None:
    sign_in(client, world["evaluator"])
    page = client.get(_new(world))
    assert page.status_code == 200 and page_title(page.content.decode()).startswith("Public figures")
    data = {"title": "Year one", "tables": ["cases_by_status", "agreements"], "epsilon": "1", "preview": "1"}
    preview = client.post_form(_new(world), data)
    assert preview.status_code == 200
    text = preview.content.decode()
    assert "within ±6 of the true count 19 times out of 20" in text  # ε 0.5 per table
    assert not Release.objects.exists() and not PrivacyBudget.objects.exists()  # a preview spends nothing
    data.pop("preview")
    published = client.post_form(_new(world), {**data, "publish": "1"})
    release = Release.objects.get()
    assert published.status_code == 302 and published.url == reverse("releases:detail", args=[release.pk])
    detail = client.get(published.url).content.decode()
    assert "Year one" in detail and 'data-table="agreements"' in detail
    assert PrivacyBudget.objects.get().spent == 1


def test_it_says_in_plain_words_when_the_budget_is_spent(client: Any, world: Any) -> None:
    sign_in(client, world["org_admin"])
    data = {"title": "Too much", "tables": ["agreements"], "epsilon": "4.5", "publish": "1"}
    response = client.post_form(_new(world), data)
    assert response.status_code == 400
    assert "only ε 4 is left of this year&#x27;s budget of ε 4" in response.content.decode()
    assert not Release.objects.exists()


@pytest.mark.parametrize(
    "data",
    [{"title": "x", "tables": ["agreements"], "epsilon": "abc"}, {"title": "x", "tables": ["zzz"], "epsilon": "1"},
     {"title": "", "tables": ["agreements"], "epsilon": "1"}, {"title": "x", "epsilon": "1e400"},
     {"title": "x", "tables": ["agreements"], "epsilon": "99999999999999999999", "program": "9" * 30}],
)  # fmt: skip
def test_bad_input_is_a_form_error_not_a_crash(client: Any, world: Any, data: dict[str, Any]) -> None:
    sign_in(client, world["org_admin"])
    assert client.post_form(_new(world), {**data, "publish": "1"}).status_code == 400
    assert not Release.objects.exists()


@pytest.mark.parametrize("publish", [False, True])
def test_an_epsilon_too_small_to_split_is_a_form_error_not_a_crash(client: Any, world: Any, publish: bool) -> None:
    """ε 0.01 over two tables, one of them split again over eight statistics, leaves each less than OpenDP's
    smallest ε: the preview says so on the form, as publishing does, and nothing is spent."""
    sign_in(client, world["org_admin"])
    data = {"title": "x", "tables": ["score_changes", "agreements"], "epsilon": "0.01"}
    response = client.post_form(_new(world), {**data, "publish": "1"} if publish else data)
    assert response.status_code == 400
    assert "too small to split" in response.content.decode()
    assert not Release.objects.exists() and not PrivacyBudget.objects.filter(spent_milli__gt=0).exists()


def test_the_release_page_and_its_downloads_show_the_same_numbers(client: Any, world: Any, release: Release) -> None:
    sign_in(client, world["coordinator"])
    page = client.get(reverse("releases:detail", args=[release.pk])).content.decode()
    for key in ("cases_by_status", "reoffending", "survivors_by_exploitation", "score_changes"):
        assert f'data-table="{key}"' in page
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("releases:csv", args=[release.pk])).content.decode())))
    cells = release.tables[0]["cells"]
    assert {r["cell"]: int(r["noisy_value"]) for r in rows if r["table"] == "cases_by_status"} == cells
    assert all(int(r["shown_value"]) >= 0 for r in rows if not r["cell"].endswith("total_change_hundredths"))
    pdf = client.get(reverse("releases:pdf", args=[release.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    downloads = AuditEvent.objects.filter(action="release.downloaded", object_id=str(release.pk))
    assert sorted(e.detail["format"] for e in downloads) == ["csv", "pdf"]
    assert all(e.actor == world["coordinator"] for e in downloads)


def test_the_pdf_dates_the_release_on_the_local_day(world: Any, release: Release, settings: Any) -> None:
    # 23:30 UTC is already the next day in Auckland (a release published just after local midnight).
    settings.TIME_ZONE = "Pacific/Auckland"
    release.published_at = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)
    pdf = PdfReader(io.BytesIO(report.release_pdf(release)))
    assert "Published on 2026-07-01." in " ".join(page.extract_text() or "" for page in pdf.pages)


def test_an_org_admin_sets_the_yearly_budget_from_the_page(client: Any, world: Any) -> None:
    sign_in(client, world["org_admin"])
    url = reverse("releases:budget", args=[world.alice_org.pk])
    assert client.post_form(url, {"limit": "2.5"}).status_code == 302
    assert PrivacyBudget.objects.get(organisation=world.alice_org).limit == Decimal("2.5")
    assert client.post_form(url, {"limit": "abc"}).status_code == 302  # refused with a message, nothing changed
    assert PrivacyBudget.objects.get(organisation=world.alice_org).limit == Decimal("2.5")
    page = client.get(reverse("releases:organisation", args=[world.alice_org.pk])).content.decode()
    assert "ε 2.5" in page


@pytest.mark.parametrize("who", ["evaluator", "coordinator"])
def test_only_org_admins_set_the_budget(client: Any, world: Any, who: str) -> None:
    sign_in(client, world[who])
    assert client.post_form(reverse("releases:budget", args=[world.alice_org.pk]), {"limit": "9"}).status_code == 404
    assert not PrivacyBudget.objects.exists()


def test_a_coordinator_sees_releases_but_cannot_publish(client: Any, world: Any, release: Release) -> None:
    sign_in(client, world["coordinator"])
    assert client.get(reverse("releases:organisation", args=[world.alice_org.pk])).status_code == 200
    assert client.get(_new(world)).status_code == 404


@pytest.mark.parametrize("who", ["charlie", "facilitator", "case_worker", "partner_liaison", "cosa_volunteer"])
def test_anyone_else_gets_not_found(client: Any, world: Any, release: Release, who: str) -> None:
    user = world.charlie if who == "charlie" else world[who]
    sign_in(client, user)
    for url in (
        reverse("releases:organisation", args=[world.alice_org.pk]),
        _new(world),
        reverse("releases:detail", args=[release.pk]),
        reverse("releases:csv", args=[release.pk]),
        reverse("releases:pdf", args=[release.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post_form(reverse("releases:budget", args=[world.alice_org.pk]), {"limit": "9"}).status_code == 404
    assert "Alice" not in client.get(reverse("releases:index")).content.decode()
    assert not AuditEvent.objects.filter(action="release.downloaded").exists()
