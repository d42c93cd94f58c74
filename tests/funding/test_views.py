"""Funding screens: organisation admins and coordinators see their organisation's grants; every funding page is
"not found" for everyone else — partner staff, the operator's other staff and Charlie's organisation alike."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import URLPattern, get_resolver, reverse

from reparo.accounts.models import User
from reparo.funding import services
from reparo.funding.models import Category, Grant, ReportingDeadline, SpendLine
from tests.conftest import CsrfClient, page_title, sign_in
from tests.funding.factories import funder, grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(world):
    g = grant(world, starts_on=datetime.date(2026, 1, 1), ends_on=datetime.date(2099, 12, 31))
    services.allocation_set(
        actor=world["org_admin"], grant=g, program=world.program, category=Category.FACILITATION, amount="1000.00"
    )
    services.spend_record(
        actor=world["coordinator"], grant=g, program=world.program, category=Category.FACILITATION,
        spent_on=datetime.date(2026, 2, 1), amount=Decimal("250.00"),
    )  # fmt: skip
    deadline = services.deadline_add(
        actor=world["org_admin"], grant=g, due_on=datetime.date(2026, 9, 1), what="Interim"
    )
    return g, deadline


def _funding_urls(g: Grant, deadline: ReportingDeadline) -> list[str]:
    values = {"pk": g.pk, "deadline_pk": deadline.pk}
    urls = []
    for pattern in get_resolver().url_patterns:
        if str(getattr(pattern, "pattern", "")) != "funding/":
            continue
        for sub in pattern.url_patterns:
            assert isinstance(sub, URLPattern)
            urls.append(reverse(f"funding:{sub.name}", kwargs={k: values[k] for k in sub.pattern.converters}))
    return urls


def _status(client, url):
    response = client.get(url, {"start": "2026-01-01", "end": "2026-06-30"})
    if response.status_code == 405:
        response = client.post_form(url, {})
    return response.status_code


@pytest.mark.parametrize("role", ["partner_liaison", "facilitator", "case_worker", "supervisor", "evaluator"])
def test_every_funding_page_is_not_found_for_those_without_funding_rights(world, funded, role):
    client = sign_in(CsrfClient(), world[role])
    urls = _funding_urls(*funded)
    assert len(urls) == 11
    for url in urls:
        assert _status(client, url) == 404, url
    assert SpendLine.objects.count() == 1


def test_charlie_sees_nothing_of_alices_funding(world, funded):
    g, deadline = funded
    client = sign_in(CsrfClient(), world.charlie)
    for url in _funding_urls(g, deadline):
        if str(g.pk) in url:
            assert _status(client, url) == 404, url
    # Charlie's own list (he manages his organisation's funding) shows nothing of Alice's.
    page = client.get(reverse("funding:grants")).content.decode()
    assert g.reference not in page and "Northern Trust" not in page and "EUR" not in page


def test_admins_and_coordinators_see_the_grant_with_an_accessible_chart_and_its_table(world, funded):
    g, _deadline = funded
    for role in ("org_admin", "coordinator"):
        client = sign_in(CsrfClient(), world[role])
        listing = client.get(reverse("funding:grants"))
        assert listing.status_code == 200 and g.reference in listing.content.decode()
        assert page_title(listing.content.decode()) == "Funding · Reparo"
        page = client.get(reverse("funding:grant", args=[g.pk]))
        html = page.content.decode()
        assert page.status_code == 200
        assert '<svg class="chart chart--budget"' in html and "<title" in html and "<desc" in html
        assert 'data-figure="budget"' in html and "1,000.00" in html and "250.00" in html and "750.00" in html
        assert "style=" not in html
        assert page_title(html) == "Grant · Reparo"
        assert "Quarterly narrative reports" in html  # the conditions, decrypted for those who may see the grant
        assert reverse("funding:grants") in client.get(reverse("home:index")).content.decode()  # navigation
    staff = sign_in(CsrfClient(), world["facilitator"]).get(reverse("home:index")).content.decode()
    assert reverse("funding:grants") not in staff


def test_only_admins_keep_funders_and_grants(world, funded):
    g, _deadline = funded
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    for url in (reverse("funding:funders"), reverse("funding:grant_new"), reverse("funding:grant_edit", args=[g.pk])):
        assert coordinator.get(url).status_code == 404
    admin = sign_in(CsrfClient(), world["org_admin"])
    assert admin.post_form(reverse("funding:funders"), {"organisation": world.alice_org.pk, "name": "City Fund"})
    f = funder(world, name="Harbour Foundation")
    response = admin.post_form(
        reverse("funding:grant_new"),
        {"funder": f.pk, "reference": "HF-7", "restricted": "0", "amount": "2500.50", "currency": "USD",
         "starts_on": "2026-01-01", "ends_on": "2026-12-31", "purpose": "Interpreters", "conditions": ""},
    )  # fmt: skip
    created = Grant.objects.get(reference="HF-7")
    assert response.status_code == 302 and response["Location"] == reverse("funding:grant", args=[created.pk])
    assert (created.amount_minor, created.currency, created.restricted) == (250050, "USD", False)
    edit = admin.post_form(
        reverse("funding:grant_edit", args=[created.pk]),
        {"reference": "HF-7", "restricted": "1", "amount": "3000", "currency": "USD", "starts_on": "2026-01-01",
         "ends_on": "2026-12-31", "purpose": "Interpreters", "conditions": "", "version": "1"},
    )  # fmt: skip
    assert edit.status_code == 302
    created.refresh_from_db()
    assert (created.amount_minor, created.restricted, created.version) == (300000, True, 2)
    stale = admin.post_form(
        reverse("funding:grant_edit", args=[created.pk]),
        {"reference": "HF-7", "restricted": "1", "amount": "10", "currency": "USD", "starts_on": "2026-01-01",
         "ends_on": "2026-12-31", "purpose": "", "conditions": "", "version": "1"},
    )  # fmt: skip
    assert stale.status_code == 409 and "Someone else changed this" in stale.content.decode()
    created.refresh_from_db()
    assert created.amount_minor == 300000


def test_a_coordinator_records_spending_and_an_overdraw_is_explained(world, funded):
    g, _deadline = funded
    client = sign_in(CsrfClient(), world["coordinator"])
    url = reverse("funding:spend_new", args=[g.pk])
    form = client.get(url).content.decode()
    assert "override_reason" not in form  # only organisation admins may go beyond an allocation
    data = {"spent_on": "2026-02-10", "program": world.program.pk, "category": Category.FACILITATION,
            "amount": "800.00", "reference": "INV-1"}  # fmt: skip
    refused = client.post_form(url, data)
    assert refused.status_code == 400
    assert "more than is allocated" in refused.content.decode()
    assert SpendLine.objects.count() == 1
    data["amount"] = "700.00"
    assert client.post_form(url, data).status_code == 302
    assert SpendLine.objects.count() == 2
    admin = sign_in(CsrfClient(), world["org_admin"])
    assert "override_reason" in admin.get(url).content.decode()
    data["override_reason"] = "Agreed with the funder"
    assert admin.post_form(url, data).status_code == 302
    line = SpendLine.objects.get(overridden_by=world["org_admin"])
    assert line.override_reason == "Agreed with the funder"
    page = admin.get(reverse("funding:grant", args=[g.pk])).content.decode()
    assert "Agreed with the funder" in page


@pytest.mark.parametrize(
    "data",
    [
        {"amount": "abc"},
        {"amount": "1e999"},
        {"amount": "-5"},
        {"program": "99999999999999999999999"},
        {"program": "x"},
        {"process_session": str(uuid.uuid4())},
        {"course_session": "99999999999999999999999"},
        {"spent_on": "2026-02-31"},
        {"category": "bribes"},
    ],
)
def test_no_spend_input_causes_an_error_page(world, funded, data):
    g, _deadline = funded
    client = sign_in(CsrfClient(), world["coordinator"])
    base = {"spent_on": "2026-02-10", "program": world.program.pk, "category": Category.FACILITATION, "amount": "1"}
    response = client.post_form(reverse("funding:spend_new", args=[g.pk]), {**base, **data})
    assert response.status_code == 400
    assert SpendLine.objects.count() == 1


def test_allocations_and_deadlines_from_the_grant_page(world, funded):
    g, deadline = funded
    admin = sign_in(CsrfClient(), world["org_admin"])
    response = admin.post_form(
        reverse("funding:allocation_set", args=[g.pk]),
        {"program": world.program.pk, "category": Category.TRAVEL, "amount": "99999999"},
    )
    assert response.status_code == 302
    assert "not yet allocated" in admin.get(response["Location"]).content.decode()
    admin.post_form(
        reverse("funding:allocation_set", args=[g.pk]),
        {"program": world.program.pk, "category": Category.TRAVEL, "amount": "300"},
    )
    assert g.allocations.get(category=Category.TRAVEL).amount_minor == 30000
    admin.post_form(reverse("funding:deadline_sent", args=[g.pk, deadline.pk]), {"sent_on": "2026-08-30"})
    deadline.refresh_from_db()
    assert deadline.submitted_on == datetime.date(2026, 8, 30)
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    assert coordinator.post_form(reverse("funding:deadline_add", args=[g.pk]), {"due_on": "2026-10-01", "what": "X"})
    assert g.deadlines.count() == 1


def test_the_grants_list_has_an_empty_state_and_pages(world):
    client = sign_in(CsrfClient(), world["coordinator"])
    assert "No grant yet" in client.get(reverse("funding:grants")).content.decode()
    f = funder(world)
    for n in range(23):
        grant(world, by=f, reference=f"R-{n:02d}", currency="JPY" if n % 2 else "EUR", amount="1000")
    first = client.get(reverse("funding:grants")).content.decode()
    assert "Page 1 of 2" in first
    # Totals per currency: 12 grants in EUR and 11 in JPY, never added together.
    assert "12,000.00" in first and "11,000" in first and "23,000" not in first
    assert client.get(reverse("funding:grants"), {"page": "2"}).status_code == 200
    assert client.get(reverse("funding:grants"), {"page": "99999999999999999999"}).status_code == 200


def test_the_pages_read_in_spanish(world, funded):
    g, _deadline = funded
    client = sign_in(CsrfClient(), world["org_admin"])
    response = client.get(reverse("funding:grant", args=[g.pk]), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200 and 'lang="es"' in response.content.decode()


@override_settings(DEVELOPMENT=True)
def test_the_demo_shows_a_grant_and_a_course_opened_to_the_partner():
    from reparo.demo.seed import seed_demo
    from reparo.training.selectors import joint_record

    seed_demo()
    seed_demo()  # idempotent
    g = Grant.objects.get(reference="TF-DEMO-01")
    assert (g.allocations.count(), g.spend_lines.count(), g.deadlines.count()) == (6, 5, 1)
    liaison = User.objects.get(email="liaison@demo.reparo.test")
    assert joint_record(liaison).hours == Decimal("3")
