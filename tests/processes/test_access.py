"""Access matrix for process pages: every role and the outsider, for a process on a case they are on, on a case of
their organisation they are not on, and on a case of another organisation."""

import pytest

from reparo.accounts.models import Membership, Role
from reparo.organisations.models import Program
from reparo.processes import services
from reparo.processes.models import Session
from tests.cases.factories import open_case
from tests.conftest import CsrfClient, sign_in
from tests.processes.factories import ready_process, tomorrow

pytestmark = pytest.mark.django_db

SEES_ALL = {Role.ORG_ADMIN, Role.COORDINATOR}
ON_TEAM = {Role.FACILITATOR, Role.CASE_WORKER, Role.SUPERVISOR}


@pytest.fixture
def processes(world):
    own = ready_process(world)
    same_org_case = open_case(actor=world["coordinator"], program=world.program)
    same_org = services.process_open(actor=world["coordinator"], case=same_org_case, type="circle")
    other_program = Program.objects.create(organisation=world.charlie_org, name="Charlie program")
    Membership.objects.create(user=world.charlie, organisation=world.charlie_org, role=Role.COORDINATOR)
    other_case = open_case(actor=world.charlie, program=other_program)
    other_org = services.process_open(actor=world.charlie, case=other_case, type="circle")
    return {"own": own, "same_org": same_org, "other_org": other_org}


def reads(role, which):
    if role == "outsider":
        return which == "other_org"
    if which == "other_org":
        return False
    return role in SEES_ALL or (which == "own" and role in ON_TEAM | {Role.COSA_VOLUNTEER})


@pytest.mark.parametrize("role", [*Role.values, "outsider"])
@pytest.mark.parametrize("which", ["own", "same_org", "other_org"])
def test_it_guards_every_process_url(world, processes, role, which):
    process = processes[which]
    user = world.charlie if role == "outsider" else world[role]
    client = sign_in(CsrfClient(), user)
    can_read = reads(role, which)
    can_work = can_read and role != Role.COSA_VOLUNTEER
    page = client.get(f"/processes/{process.pk}/")
    assert page.status_code == (200 if can_read else 404)
    if not can_read:
        assert process.case.reference not in page.content.decode()
    assert client.get(f"/processes/{process.pk}/sessions/new/").status_code == (200 if can_work else 404)
    participants = list(process.participants.filter(role="survivor")) or list(process.participants.all())
    before = Session.objects.count()
    response = client.post_form(
        f"/processes/{process.pk}/sessions/new/",
        {"starts_at": tomorrow().strftime("%Y-%m-%dT%H:%M"), "duration_minutes": 60, "mode": "phone",
         "invited": [p.pk for p in participants]},
    )  # fmt: skip
    if not can_work:
        assert response.status_code == 404
        assert Session.objects.count() == before
    for url in (
        f"/processes/{process.pk}/stage/",
        f"/processes/{process.pk}/end/",
        f"/agreements/process/{process.pk}/",
    ):
        status = (client.post_form(url, {"to_stage": "meetings", "reason": "other"}) if "agreements" not in url
                  else client.get(url)).status_code  # fmt: skip
        if not can_work:
            assert status == 404, url
