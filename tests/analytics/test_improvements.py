"""The improvement log: findings become actions with an owner, a due date and a status, beside the dashboard."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from reparo.analytics import services
from reparo.analytics.models import ActionStatus, ImprovementAction
from reparo.audit.models import AuditEvent
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db
DUE = datetime.date(2026, 12, 1)


def _add(world: Any, actor: Any = None, **kwargs: Any) -> ImprovementAction:
    data = {
        "organisation": world.alice_org,
        "program": world.program,
        "finding": "Few survivors answer the 3-month follow-up",
        "source": "dashboard",
        "action": "Offer the follow-up by phone",
        "owner": world["coordinator"],
        "due_on": DUE,
    } | kwargs
    return services.improvement_add(actor=actor or world["evaluator"], **data)


def test_it_records_a_finding_and_its_action_with_an_audit_row(world: Any) -> None:
    item = _add(world)
    assert (item.status, item.owner, item.due_on) == (ActionStatus.PLANNED, world["coordinator"], DUE)
    event = AuditEvent.objects.get(action="improvement.add")
    assert event.object_id == str(item.pk)


def test_it_changes_the_status(world: Any) -> None:
    item = _add(world)
    services.improvement_set_status(actor=world["org_admin"], item=item, status=ActionStatus.DONE)
    item.refresh_from_db()
    assert item.status == ActionStatus.DONE and item.status_changed_at is not None
    assert AuditEvent.objects.filter(action="improvement.status").count() == 1


def test_it_refuses_an_empty_finding_or_an_owner_from_elsewhere(world: Any) -> None:
    with pytest.raises(ValidationError) as error:
        _add(world, finding=" ", owner=world.charlie)
    assert set(error.value.message_dict) == {"finding", "owner"}


@pytest.mark.parametrize("who", ["facilitator", "case_worker", "charlie"])
def test_only_outcome_roles_of_the_organisation_may_write(world: Any, who: str) -> None:
    actor = world.charlie if who == "charlie" else world[who]
    with pytest.raises(PermissionDenied):
        _add(world, actor=actor)
    item = _add(world)
    with pytest.raises(PermissionDenied):
        services.improvement_set_status(actor=actor, item=item, status=ActionStatus.DONE)


def test_the_dashboard_shows_the_log_and_adds_to_it(client: Any, world: Any) -> None:
    sign_in(client, world["coordinator"])
    url = reverse("analytics:program", args=[world.alice_org.pk, world.program.pk])
    response = client.post_form(
        reverse("analytics:improvement_add", args=[world.alice_org.pk]),
        {
            "finding": "Waiting times before the first meeting are long",
            "source": "participant_feedback",
            "action": "A second facilitator for preparation meetings",
            "owner": world["facilitator"].pk,
            "due_on": "2026-12-24",
            "program": world.program.pk,
            "back": url,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    page = client.get(url).content.decode()
    assert "Waiting times before the first meeting are long" in page
    assert "A second facilitator for preparation meetings" in page
    item = ImprovementAction.objects.get()
    client.post_form(reverse("analytics:improvement_status", args=[item.pk]), {"status": "in_progress"})
    item.refresh_from_db()
    assert item.status == ActionStatus.IN_PROGRESS


def test_outsiders_cannot_add_or_change(client: Any, world: Any) -> None:
    item = _add(world)
    sign_in(client, world.charlie)
    add = client.post_form(
        reverse("analytics:improvement_add", args=[world.alice_org.pk]),
        {"finding": "x", "source": "other", "action": "y", "owner": world.charlie.pk, "due_on": "2026-12-24"},
    )
    assert add.status_code == 404
    change = client.post_form(reverse("analytics:improvement_status", args=[item.pk]), {"status": "done"})
    assert change.status_code == 404
    item.refresh_from_db()
    assert item.status == ActionStatus.PLANNED and ImprovementAction.objects.count() == 1


def test_the_log_is_paginated_open_actions_first(client: Any, world: Any) -> None:
    for n in range(25):
        _add(world, finding=f"Finding number {n:02d}", due_on=DUE + datetime.timedelta(days=n))
    done = _add(world, finding="Already sorted out", due_on=datetime.date(2026, 1, 1))
    services.improvement_set_status(actor=world["evaluator"], item=done, status=ActionStatus.DONE)
    sign_in(client, world["evaluator"])
    url = reverse("analytics:organisation", args=[world.alice_org.pk])
    first = client.get(url).content.decode()
    assert "Finding number 00" in first and "Finding number 19" in first
    assert "Finding number 20" not in first and "Already sorted out" not in first
    second = client.get(url + "?page=2").content.decode()
    assert "Finding number 24" in second and "Already sorted out" in second


def test_it_stores_the_finding_and_action_encrypted_and_the_dashboard_shows_them(client: Any, world: Any) -> None:
    finding, action = "Marisol-Canary-5520 waited weeks", "Call Marisol-Canary-5521 back"
    sign_in(client, world["coordinator"])
    url = reverse("analytics:program", args=[world.alice_org.pk, world.program.pk])
    client.post_form(
        reverse("analytics:improvement_add", args=[world.alice_org.pk]),
        {"finding": finding, "source": "other", "action": action, "owner": world["facilitator"].pk,
         "due_on": "2026-12-24", "program": world.program.pk, "back": url},
    )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT finding, action FROM analytics_improvementaction")
        raw = cursor.fetchall()
    assert len(raw) == 1 and all(value.startswith("enc1:") for value in raw[0])
    assert "Canary" not in repr(raw) and "marisol" not in repr(raw).lower()
    page = client.get(url).content.decode()
    assert finding in page and action in page


def _owner_options(html: str) -> list[str]:
    import re

    select = re.search(r'<select[^>]* name="owner"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_the_owner_list_names_who_may_own_an_action_as_of_each_view(client: Any, world: Any) -> None:
    from reparo.accounts.models import Membership

    sign_in(client, world["evaluator"])
    url = reverse("analytics:organisation", args=[world.alice_org.pk])
    owners = _owner_options(client.get(url).content.decode())
    assert world["facilitator"].display_name in owners and world["coordinator"].display_name in owners
    assert world.charlie.display_name not in owners and world["partner_worker"].display_name not in owners
    assert _owner_options(client.get(url).content.decode()) == owners  # the second view, from the kept list
    # A colleague renamed, then another's role ended, by any code: each next view lists them as they are now.
    old_name = world["facilitator"].display_name
    world["facilitator"].full_name = "Renamed Facilitator"
    world["facilitator"].save()
    renamed = _owner_options(client.get(url).content.decode())
    assert "Renamed Facilitator" in renamed and old_name not in renamed
    Membership.objects.filter(user=world["coordinator"]).update(is_active=False)
    now = _owner_options(client.get(url).content.decode())
    assert "Renamed Facilitator" in now and world["coordinator"].display_name not in now
    assert len(now) == len(owners) - 1


def _program_options(html: str) -> list[str]:
    import re

    select = re.search(r'<select[^>]* name="program"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(1))


def test_the_kept_form_is_the_form_drawn_afresh_and_follows_program_names_and_language(
    client: Any, world: Any, monkeypatch: Any
) -> None:
    from reparo.accounts import access_cache
    from reparo.organisations.models import Program

    sign_in(client, world["evaluator"])
    url = reverse("analytics:program", args=[world.alice_org.pk, world.program.pk])
    drawn = []
    real = access_cache.shared

    def counting(user: Any, key: Any, compute: Any) -> Any:
        return real(user, key, lambda: drawn.append(key[0]) or compute())

    with monkeypatch.context() as m:
        m.setattr(access_cache, "shared", counting)
        first = client.get(url).content.decode()
        kept = client.get(url).content.decode()
    assert drawn.count("improvement_fields") == 1  # the second view used the kept fields
    with monkeypatch.context() as m:  # nothing kept: every view draws the form
        m.setattr(access_cache, "shared", lambda user, key, compute: compute())
        fresh = client.get(url).content.decode()

    def fields(html: str) -> str:
        return html.split('name="back"', 2)[-1].split("</form>")[0]

    assert fields(first) == fields(kept) == fields(fresh)
    assert world.program.name in _program_options(kept)
    assert f'<option value="{world.program.pk}" selected>' in fields(kept)  # the program of the page, chosen
    # A program renamed by any code: the next view's form lists the new name.
    Program.objects.filter(pk=world.program.pk).update(name="Renamed program")
    assert "Renamed program" in _program_options(client.get(url).content.decode())
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert fields(spanish) != fields(kept) and "Renamed program" in _program_options(spanish)
