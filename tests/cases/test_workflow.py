import itertools

import pytest
from django.core.exceptions import ValidationError

from reparo.audit.models import AuditEvent
from reparo.cases import services
from reparo.cases.models import TRANSITIONS, Case, CaseStatus
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db

FORWARD = [
    CaseStatus.REFERRED, CaseStatus.INTAKE, CaseStatus.ASSESSMENT, CaseStatus.PREPARATION,
    CaseStatus.IN_PROCESS, CaseStatus.FOLLOW_UP, CaseStatus.CLOSED,
]  # fmt: skip


def case_at(world, status):
    case = alice_case(world)
    Case.objects.filter(pk=case.pk).update(status=status)
    case.refresh_from_db()
    return case


def test_it_walks_the_whole_workflow_from_referral_to_closure(world):
    case = alice_case(world)
    for target in FORWARD[1:]:
        case = services.case_transition(actor=world["facilitator"], case=case, to_status=target)
        assert case.status == target
    history = list(case.status_changes.values_list("from_status", "to_status"))
    assert history == [("", "referred"), *itertools.pairwise(FORWARD)]
    assert AuditEvent.objects.filter(action="case.status_changed", object_id=str(case.pk)).count() == 6


@pytest.mark.parametrize("status", sorted(s for s in CaseStatus.values if s not in ("closed", "withdrawn")))
def test_it_allows_withdrawal_from_every_open_state(world, status):
    case = case_at(world, status)
    case = services.case_transition(actor=world["case_worker"], case=case, to_status=CaseStatus.WITHDRAWN)
    assert case.status == CaseStatus.WITHDRAWN
    assert case.status_changes.last().reason is None  # no reason required


@pytest.mark.parametrize(
    ("current", "target"),
    [(c, t) for c, t in itertools.product(CaseStatus.values, CaseStatus.values) if t not in TRANSITIONS[c]],
)
def test_it_refuses_every_other_move_with_a_message(world, current, target):
    case = case_at(world, current)
    with pytest.raises(ValidationError) as info:
        services.case_transition(actor=world["facilitator"], case=case, to_status=target)
    assert "cannot move to" in " ".join(info.value.messages)
    case.refresh_from_db()
    assert case.status == current
    assert not case.status_changes.filter(to_status=target, from_status=current).exists()


def test_it_refuses_an_unknown_status(world):
    case = alice_case(world)
    with pytest.raises(ValidationError):
        services.case_transition(actor=world["facilitator"], case=case, to_status="teleported")


def test_it_records_date_actor_and_reason_and_shows_them_on_the_timeline(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.post_form(f"/cases/{case.pk}/status/", {"to_status": "intake", "reason": "Met her today"})
    assert response.status_code == 302
    change = case.status_changes.get(to_status="intake")
    assert change.actor == world["facilitator"] and change.reason == "Met her today" and change.at
    timeline = client.get(f"/cases/{case.pk}/timeline/", headers={"HX-Request": "true"}).content.decode()
    assert "Met her today" in timeline and world["facilitator"].display_name in timeline


def test_it_explains_a_refused_move_on_the_page(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.post_form(f"/cases/{case.pk}/status/", {"to_status": "closed"}, follow=True)
    assert "cannot move to" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "referred"


def test_it_does_not_let_the_responsible_side_volunteer_move_the_case(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["cosa_volunteer"])
    client.post_form(f"/cases/{case.pk}/status/", {"to_status": "intake"})
    case.refresh_from_db()
    assert case.status == "referred"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("status", sorted(CaseStatus.values))
def test_the_case_page_offers_exactly_the_allowed_moves_in_the_readers_language(world, status, language):
    import re

    from django.utils import translation

    case = case_at(world, status)
    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    select = re.search(r'<select name="to_status" id="id_to_status">(.*?)</select>', html, re.S)
    if not TRANSITIONS[status]:
        assert select is None, "a closed or withdrawn case offers no move"
        return
    with translation.override(language):
        expected = [(s, str(label)) for s, label in CaseStatus.choices if s in TRANSITIONS[status]]
    assert select is not None
    assert re.findall(r'<option value="([^"]+)">([^<]+)</option>', select.group(1)) == expected
