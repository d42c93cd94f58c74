import datetime
from decimal import Decimal

import pytest

from reparo.agreements import services
from reparo.agreements.models import Agreement, Instalment, Obligation
from reparo.audit.models import AuditEvent
from tests.agreements.factories import accept, binding_agreement, draft_with_items
from tests.conftest import CsrfClient, page_title, sign_in
from tests.processes.factories import ready_process

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 1, 31)


def test_it_walks_an_agreement_from_draft_to_binding_through_the_pages(world):
    process = ready_process(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    base = f"/agreements/process/{process.pk}/"
    assert client.post_form(base + "draft/").status_code == 302
    agreement = Agreement.objects.get(process=process)
    client.post_form(f"{base}{agreement.pk}/items/", {"kind": "apology_spoken", "description": "Say sorry"})
    client.post_form(f"{base}{agreement.pk}/items/", {
        "kind": "restitution", "description": "Wages", "amount": "90.00", "currency": "EUR",
        "instalment_count": "2", "first_instalment_on": "2026-01-15", "due_date": "2026-03-01",
    })  # fmt: skip
    assert agreement.items.count() == 2
    client.post_form(f"{base}{agreement.pk}/propose/")
    survivor = process.participants.get(role="survivor")
    responsible = process.participants.get(role="responsible")
    client.post_form(f"{base}{agreement.pk}/accept/", {"participant": responsible.pk, "how": "in_writing"})
    agreement.refresh_from_db()
    assert agreement.status == "proposed" and not Obligation.objects.exists()
    client.post_form(f"{base}{agreement.pk}/accept/", {"participant": survivor.pk, "how": "through_facilitator"})
    agreement.refresh_from_db()
    assert agreement.status == "binding"
    instalment = Instalment.objects.get(number=1)
    client.post_form(f"{base}instalments/{instalment.pk}/pay/", {"amount": "45.00"})
    instalment.refresh_from_db()
    assert instalment.paid_amount == Decimal("45.00")
    response = client.get(base)
    assert response.status_code == 200
    assert page_title(response.content.decode()).startswith("Agreement")
    assert "Say sorry" in response.content.decode()
    # The item's due date is what was typed as its due date, apart from the first instalment's.
    wages = Obligation.objects.get(item__kind="restitution")
    assert wages.due_date == datetime.date(2026, 3, 1) and wages.item.first_instalment_on == datetime.date(2026, 1, 15)


def test_it_refuses_waiving_through_the_page_unless_the_survivor_chose(world):
    process = ready_process(world)
    agreement = binding_agreement(world, process, due=DUE)
    letter = Obligation.objects.get(item__agreement=agreement, item__kind="apology_letter")
    client = sign_in(CsrfClient(), world["facilitator"])
    url = f"/agreements/process/{process.pk}/obligations/{letter.pk}/"
    client.post_form(url, {"status": "waived"})
    letter.refresh_from_db()
    assert letter.status == "pending"
    client.post_form(url, {"status": "waived", "survivor_chose": "on"})
    letter.refresh_from_db()
    assert letter.status == "waived"


@pytest.mark.parametrize("who", ["charlie", "cosa_volunteer", "evaluator"])
def test_it_hides_the_page_and_refuses_posts_from_people_who_may_not_see_it(world, who):
    process = ready_process(world)
    agreement = binding_agreement(world, process, due=DUE)
    draft = draft_with_items(world, process, due=DUE)
    obligation = Obligation.objects.filter(item__agreement=agreement).first()
    instalment = Instalment.objects.first()
    user = world.charlie if who == "charlie" else world[who]
    client = sign_in(CsrfClient(), user)
    base = f"/agreements/process/{process.pk}/"
    before = AuditEvent.objects.count()
    items_before = draft.items.count()
    assert client.get(base).status_code == 404
    for url, data in [
        (base + "draft/", {}),
        (f"{base}{draft.pk}/items/", {"kind": "commitment", "description": "x"}),
        (f"{base}{draft.pk}/propose/", {}),
        (f"{base}{agreement.pk}/accept/", {"participant": process.participants.first().pk, "how": "in_writing"}),
        (f"{base}obligations/{obligation.pk}/", {"status": "met"}),
        (f"{base}instalments/{instalment.pk}/pay/", {"amount": "1.00"}),
    ]:
        assert client.post_form(url, data).status_code == 404, url
    assert AuditEvent.objects.count() == before
    assert draft.items.count() == items_before


def test_it_shows_the_version_in_preparation_with_its_acceptances_and_the_instalments_in_force(world):
    process = ready_process(world)
    binding_agreement(world, process, due=DUE)
    proposed = draft_with_items(world, process, due=DUE)
    services.item_add(actor=world["facilitator"], agreement=proposed, kind="commitment", description="Keep away")
    services.agreement_propose(actor=world["facilitator"], agreement=proposed)
    acceptance = accept(world, proposed, "responsible")
    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(f"/agreements/process/{process.pk}/").content.decode()
    preparing, follow_up = html.split('id="versions"')[0], html.split('id="obligations"')[1]
    assert "Keep away" in preparing
    accepted_by = preparing.split("Accepted by")[1].split("<form")[0]
    assert acceptance.participant.person.display_code in accepted_by
    assert "Keep away" not in follow_up
    assert [f"{n}. " in follow_up for n in (1, 2, 3)] == [True, True, True]
    assert "333.33" in follow_up or "333.34" in follow_up


def test_the_agreement_page_gives_every_field_its_own_id(world):
    from tests.conftest import duplicate_ids

    process = ready_process(world)
    binding_agreement(world, process, due=DUE)
    client = sign_in(CsrfClient(), world["facilitator"])
    html = client.get(f"/agreements/process/{process.pk}/").content.decode()
    assert duplicate_ids(html) == []
    instalments = list(Instalment.objects.order_by("number"))
    assert len(instalments) == 3
    for instalment in instalments:  # each payment form's label points at its own field
        assert f'<label for="id_payment_{instalment.pk}_amount">' in html
    # The field names stay as they were: a payment is recorded as before.
    client.post_form(f"/agreements/process/{process.pk}/instalments/{instalments[1].pk}/pay/", {"amount": "10.00"})
    instalments[1].refresh_from_db()
    assert instalments[1].paid_amount == Decimal("10.00")


def test_the_case_timeline_shows_when_an_agreement_became_binding(world):
    process = ready_process(world)
    binding_agreement(world, process, due=DUE)
    html = sign_in(CsrfClient(), world["facilitator"]).get(f"/cases/{process.case_id}/timeline/").content.decode()
    timeline = html.split('id="timeline"')[1]
    assert "Agreement (version 1) accepted by everyone and binding: Direct mediation (dialogue)" in timeline
