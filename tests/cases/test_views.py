import datetime
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reparo.audit.concurrency import ConflictError
from reparo.audit.models import AuditEvent
from reparo.cases import services
from reparo.cases.models import Case, IntakeDraft, Task
from reparo.core import crypto
from tests.cases.factories import alice_case, open_case
from tests.conftest import CsrfClient, sign_in

pytestmark = pytest.mark.django_db

INTAKE = {
    "referral_source": "police",
    "referral_date": "2026-02-01",
    "summary": "Referred after a labour inspection.",
    "given_name": "Lucia",
    "family_name": "Intakeperson",
    "aliases": "Lu\nLucy",
    "phone": "+34 600 111 222",
    "email": "lucia@mail.example",
    "languages": ["es", "en"],
    "gender": "Feminine",
    "exploitation_types": ["ForcedLabour", "Servitude"],
    "methods_of_control": ["DebtBondage"],
    "harm_description": "They kept my passport.",
    "need_1_category": "safety",
    "need_1_priority": "1",
    "need_1_statement": "A safe place to live",
    "need_2_category": "answers",
    "need_2_priority": "2",
    "need_2_statement": "Why me?",
    "responsible_given_name": "Marco",
}


def test_it_opens_a_case_from_one_intake_page(world):
    client = sign_in(CsrfClient(), world["case_worker"])
    assert client.get("/cases/new/").status_code == 200
    response = client.post_form("/cases/new/", {**INTAKE, "program": world.program.pk, "open": "1"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/"
    assert case.status == "referred" and case.program == world.program
    assert case.reference.startswith(f"RJ-{timezone.localtime(case.created_at).year}-")  # the year it was opened
    survivor = case.participants.get(role="survivor").person
    assert survivor.full_name == "Lucia Intakeperson" and survivor.aliases == ["Lu", "Lucy"]
    assert survivor.languages == ["es", "en"]
    assert case.participants.get(role="responsible").person.given_name == "Marco"
    assert case.harms.get().exploitation_types == ["ForcedLabour", "Servitude"]
    assert [(n.category, n.statement) for n in case.needs.all()] == [
        ("safety", "A safe place to live"),
        ("answers", "Why me?"),
    ]
    assert case.team.filter(user=world["case_worker"], role="case_worker").exists()
    page = client.get(response["Location"]).content.decode()
    assert case.reference in page and survivor.display_code in page
    assert "Lucia" not in page  # names stay hidden until asked for


def test_it_validates_intake_with_clear_messages_and_keeps_what_was_typed(world):
    client = sign_in(CsrfClient(), world["case_worker"])
    bad = {**INTAKE, "program": world.program.pk, "given_name": "", "family_name": "", "aliases": "",
           "referral_date": "2999-01-01", "email": "not-an-email", "open": "1"}  # fmt: skip
    response = client.post_form("/cases/new/", bad)
    html = response.content.decode()
    assert response.status_code == 200 and not Case.objects.exists()
    assert "cannot be in the future" in html and "at least one name" in html and "valid email" in html.lower()
    assert "A safe place to live" in html and "+34 600 111 222" in html


def test_it_saves_an_intake_draft_and_resumes_it(world):
    client = sign_in(CsrfClient(), world["case_worker"])
    partial = {
        "program": world.program.pk,
        "given_name": "Drafty",
        "need_1_statement": "Half written",
        "save_draft": "1",
    }
    response = client.post_form("/cases/new/", partial)
    draft = IntakeDraft.objects.get()
    assert response["Location"] == f"/cases/new/?draft={draft.pk}"
    assert draft.owner == world["case_worker"] and not Case.objects.exists()
    resumed = client.get(response["Location"]).content.decode()
    assert 'value="Drafty"' in resumed and "Half written" in resumed
    # Someone else cannot open it.
    other = sign_in(CsrfClient(), world["facilitator"])
    assert other.get(f"/cases/new/?draft={draft.pk}").status_code == 404
    # Opening the case from the draft removes the draft.
    client.post_form("/cases/new/", {**INTAKE, "program": world.program.pk, "draft_id": draft.pk, "open": "1"})
    assert Case.objects.count() == 1 and not IntakeDraft.objects.exists()


def search(client, q):
    return client.post_form("/cases/search/", {"q": q}, follow=True)


def test_it_finds_cases_by_reference_exact_name_phone_and_email_without_decrypting(world):
    target = open_case(
        actor=world["coordinator"], program=world.program, survivor_name=("María José", "Pérez"),
        phone="+44 7700 900 777", email="mj@mail.example",
    )  # fmt: skip
    others = [
        open_case(actor=world["coordinator"], program=world.program, survivor_name=(f"Other{n}", "Person"))
        for n in range(3)
    ]
    client = sign_in(CsrfClient(), world["coordinator"])
    real_decrypt = crypto.decrypt

    def decrypt(token, *, associated_data):
        # Colleagues' names are shown on the page (the lead facilitator, the team filter); nobody's data is
        # decrypted to search.
        assert associated_data.startswith(b"accounts.user.full_name:"), "decrypted during search"
        return real_decrypt(token, associated_data=associated_data)

    with mock.patch.object(crypto, "decrypt", side_effect=decrypt):
        for query in (target.reference.lower(), "maría josé pérez", "+447700900777", "MJ@mail.example"):
            response = search(client, query)
            html = response.content.decode()
            assert target.reference in html, query
            assert all(other.reference not in html for other in others), query
            # What was typed is kept out of every URL (history, logs, links).
            assert all(query.lower() not in url.lower() for url, _status in response.redirect_chain)
        assert "No case matches" in search(client, "María").content.decode()
    assert AuditEvent.objects.filter(action="case.searched", actor=world["coordinator"]).count() == 5
    assert "Pérez" not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_it_never_lets_the_responsible_side_find_a_survivor(world):
    case = alice_case(world, survivor_name=("Amara", "Hidden"), phone="+44 7700 900123", email="amara@x.example")
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])
    for query in ("Amara Hidden", "+447700900123", "amara@x.example"):
        assert case.reference not in search(volunteer, query).content.decode(), query
    assert case.reference in search(volunteer, "Rex Responsible").content.decode()
    listing = volunteer.get("/cases/").content.decode()
    assert case.reference in listing
    assert case.participants.get(role="survivor").person.display_code not in listing


def test_it_clears_the_search(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    assert "No case matches" in search(client, "Nobody Known").content.decode()
    cleared = client.post_form("/cases/search/", {"clear": "1"}, follow=True).content.decode()
    assert case.reference in cleared


def test_it_filters_by_program_status_team_member_and_overdue_tasks(world):
    from reparo.organisations.models import Program

    second = Program.objects.create(organisation=world.alice_org, name="Circles")
    a = alice_case(world)
    b = open_case(actor=world["coordinator"], program=second)
    services.case_transition(actor=world["coordinator"], case=b, to_status="intake")
    Task.objects.create(case=a, title="Call back", due_date=datetime.date(2020, 1, 1))
    client = sign_in(CsrfClient(), world["coordinator"])

    def refs(**params):
        html = client.get("/cases/", params).content.decode()
        return {c.reference for c in (a, b) if c.reference in html}

    assert refs() == {a.reference, b.reference}
    assert refs(program=second.pk) == {b.reference}
    assert refs(status="intake") == {b.reference}
    assert refs(team_member=world["facilitator"].pk) == {a.reference}
    assert refs(overdue="on") == {a.reference}


def test_it_keeps_the_case_list_query_count_flat(world):
    for _ in range(55):
        alice_case(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    client.get("/cases/")  # the first page of a session also fills its process's access copies
    counts = []
    for per_page in (10, 50):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cases/", {"per_page": per_page}).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_it_keeps_the_case_page_query_count_flat(world):
    small = alice_case(world)
    big = alice_case(world)
    for n in range(20):
        services.note_add(actor=world["facilitator"], case=big, body=f"note {n}")
        services.task_add(actor=world["facilitator"], case=big, title=f"task {n}", owner=world["facilitator"])
        services.need_add(actor=world["facilitator"], case=big, category="health", priority=2, statement=f"n{n}")
    client = sign_in(CsrfClient(), world["facilitator"])
    client.get(f"/cases/{small.pk}/")  # the first page of a session also fills its process's access copies
    counts = []
    for case in (small, big):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/cases/{case.pk}/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts


def test_it_refuses_a_concurrent_case_edit_and_shows_what_changed(world):
    case = alice_case(world)
    first = sign_in(CsrfClient(), world["facilitator"])
    second = sign_in(CsrfClient(), world["case_worker"])
    form = {"version": 1, "referral_source": "ngo", "referral_date": "2026-01-15"}
    assert first.post_form(f"/cases/{case.pk}/edit/", {**form, "summary": "First summary"}).status_code == 302
    response = second.post_form(f"/cases/{case.pk}/edit/", {**form, "summary": "Second summary"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this" in html and "summary" in html and "First summary" in html
    assert "Second summary" in html  # what they typed is still there
    case.refresh_from_db()
    assert case.summary == "First summary" and case.version == 2
    # Saving again on purpose, from the newer version, works.
    assert second.post_form(f"/cases/{case.pk}/edit/", {**form, "version": 2, "summary": "Second"}).status_code == 302


def test_it_refuses_a_concurrent_note_edit(world):
    case = alice_case(world)
    note = services.note_add(actor=world["facilitator"], case=case, body="original")
    services.note_update(actor=world["facilitator"], note=note, version=1, body="edited", confidentiality="team")
    with pytest.raises(ConflictError):
        services.note_update(actor=world["case_worker"], note=note, version=1, body="mine", confidentiality="team")
    note.refresh_from_db()
    assert note.body == "edited"


def test_it_shows_a_note_edited_meanwhile_in_another_tab_and_keeps_what_was_typed(world):
    case = alice_case(world)
    note = services.note_add(actor=world["facilitator"], case=case, body="original")
    client = sign_in(CsrfClient(), world["facilitator"])
    url = f"/cases/{case.pk}/notes/{note.pk}/"
    first, second = ({"body": f"from the {tab} tab", "confidentiality": "team"} for tab in ("first", "second"))
    assert client.post_form(url, {**first, "version": 1}).status_code == 302
    response = client.post_form(url, {**second, "version": 1})
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this" in html and "from the first tab" in html and "from the second tab" in html
    note.refresh_from_db()
    assert (note.body, note.version) == ("from the first tab", 2)
    assert client.post_form(url, {**second, "version": 2}).status_code == 302
    note.refresh_from_db()
    assert note.body == "from the second tab"


def test_it_adds_a_note_with_htmx_without_a_reload(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    response = client.post_form(
        f"/cases/{case.pk}/notes/", {"body": "Via htmx", "confidentiality": "team"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Via htmx" in html and "<html" not in html
    empty = client.post_form(
        f"/cases/{case.pk}/notes/", {"body": " ", "confidentiality": "team"}, HTTP_HX_REQUEST="true"
    )
    assert empty.status_code == 400 and "required" in empty.content.decode().lower()


def test_it_completes_a_task_and_shows_it_on_the_timeline(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    client.post_form(f"/cases/{case.pk}/tasks/", {"title": "Book interpreter", "owner": world["facilitator"].pk,
                                                  "due_date": "2026-03-01"})  # fmt: skip
    task = Task.objects.get(case=case)
    client.post_form(f"/cases/{case.pk}/tasks/{task.pk}/done/")
    task.refresh_from_db()
    assert task.done_at is not None
    assert "Task done" in client.get(f"/cases/{case.pk}/timeline/").content.decode()


def _case_with_history(world):
    case = alice_case(world)
    services.case_transition(actor=world["facilitator"], case=case, to_status="intake", reason="Met her at the shelter")
    services.note_add(actor=world["facilitator"], case=case, body="First meeting went well")
    return case


def test_it_leaves_the_timeline_closed_on_the_case_page_until_it_is_opened(world):
    case = _case_with_history(world)
    html = sign_in(CsrfClient(), world["facilitator"]).get(f"/cases/{case.pk}/").content.decode()
    url = f"/cases/{case.pk}/timeline/"
    section = html.split('id="timeline"')[1].split("</section>")[0]
    assert f'hx-get="{url}"' in section and 'hx-trigger="toggle once"' in section and "<details" in section
    assert "Show the timeline" in section and f'<a href="{url}">' in section  # without JavaScript, a link
    assert "<details open" not in section and 'class="timeline"' not in html
    assert "Met her at the shelter" not in html  # the status change's reason is on the timeline only


def test_it_answers_the_timeline_to_htmx_as_a_partial_and_otherwise_as_a_page(world):
    case = _case_with_history(world)
    client = sign_in(CsrfClient(), world["facilitator"])
    partial = client.get(f"/cases/{case.pk}/timeline/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and '<ol class="timeline">' in partial
    assert "Met her at the shelter" in partial and world["facilitator"].display_name in partial
    page = client.get(f"/cases/{case.pk}/timeline/")
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html and '<ol class="timeline">' in html
    assert f"<h1>{case.reference}</h1>" in html and f'href="/cases/{case.pk}/"' in html  # back to the case
    assert "Met her at the shelter" in html
    title = html.split("<title>")[1].split("</title>")[0]
    assert title == "Case · Reparo"  # as the case's other pages: nothing a shoulder-surfer learns from a tab


def test_it_answers_404_to_someone_asking_for_a_timeline_not_theirs(world):
    case = _case_with_history(world)
    charlie = sign_in(CsrfClient(), world.charlie)
    for headers in ({}, {"HX-Request": "true"}):
        response = charlie.get(f"/cases/{case.pk}/timeline/", headers=headers)
        assert response.status_code == 404
        html = response.content.decode()
        assert case.reference not in html and "Met her at the shelter" not in html


def test_it_shows_an_empty_state(world):
    html = sign_in(CsrfClient(), world["facilitator"]).get("/cases/").content.decode()
    assert "There are no cases for you yet" in html


def test_it_loads_the_larger_case_forms_when_opened(world):
    case = alice_case(world)
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    partial = coordinator.get(f"/cases/{case.pk}/forms/harm/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Forced labour" in partial and f"/cases/{case.pk}/harms/" in partial
    page = coordinator.get(f"/cases/{case.pk}/forms/team/").content.decode()
    assert "<html" in page and world["facilitator"].display_name in page and "Exit this page" in page
    facilitator = sign_in(CsrfClient(), world["facilitator"])
    assert facilitator.get(f"/cases/{case.pk}/forms/team/").status_code == 404  # only coordinators change teams
    assert facilitator.get(f"/cases/{case.pk}/forms/harm/").status_code == 200
    assert facilitator.get(f"/cases/{case.pk}/forms/anything/").status_code == 404
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])
    assert volunteer.get(f"/cases/{case.pk}/forms/harm/").status_code == 404
    outsider = sign_in(CsrfClient(), world.charlie)
    assert outsider.get(f"/cases/{case.pk}/forms/harm/").status_code == 404


def test_it_hides_the_survivors_supporters_from_the_responsible_side(world):
    case = alice_case(world)
    supporter = services.participant_add(
        actor=world["coordinator"], case=case, role="supporter", given_name="Sam", address="The safe house"
    ).person
    volunteer = sign_in(CsrfClient(), world["cosa_volunteer"])
    assert volunteer.get(f"/people/{supporter.pk}/").status_code == 404
    assert volunteer.get(f"/people/{supporter.pk}/identity/").status_code == 404
    assert supporter.display_code not in volunteer.get(f"/cases/{case.pk}/responsible-side/").content.decode()


def test_it_lets_only_the_author_edit_a_note(world):
    case = alice_case(world)
    note = services.note_add(actor=world["facilitator"], case=case, body="My own words")
    other = sign_in(CsrfClient(), world["case_worker"])
    assert other.get(f"/cases/{case.pk}/notes/{note.pk}/").status_code == 404
    response = other.post_form(
        f"/cases/{case.pk}/notes/{note.pk}/", {"body": "Overwritten", "confidentiality": "team", "version": 1}
    )
    assert response.status_code == 404
    note.refresh_from_db()
    assert note.body == "My own words"
    author = sign_in(CsrfClient(), world["facilitator"])
    assert author.get(f"/cases/{case.pk}/notes/{note.pk}/").status_code == 200


def test_it_keeps_every_choice_of_a_multiple_choice_in_a_draft(world):
    client = sign_in(CsrfClient(), world["case_worker"])
    client.post_form(
        "/cases/new/",
        {"program": world.program.pk, "languages": ["en", "es"], "exploitation_types": ["ForcedLabour", "Servitude"],
         "given_name": "Multi", "save_draft": "1"},
    )  # fmt: skip
    draft = IntakeDraft.objects.get()
    assert draft.organisation == world.alice_org
    page = client.get(f"/cases/new/?draft={draft.pk}").content.decode()
    assert page.count("checked") >= 2
    assert 'value="en" selected' in page and 'value="es" selected' in page


def test_it_answers_not_found_when_a_volunteer_tries_to_move_the_case(world):
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["cosa_volunteer"])
    assert client.post_form(f"/cases/{case.pk}/status/", {"to_status": "intake"}).status_code == 404


def test_the_team_form_chooses_no_role_in_advance(world):
    case = alice_case(world)
    coordinator = sign_in(CsrfClient(), world["coordinator"])
    page = coordinator.get(f"/cases/{case.pk}/forms/team/").content.decode()
    assert '<option value="" selected>Choose a role</option>' in page
    assert '<option value="lead_facilitator" selected>' not in page
    response = coordinator.post_form(f"/cases/{case.pk}/team/", {"user": str(world["evaluator"].pk)})
    assert response.status_code in (302, 400)
    assert not case.team.filter(user=world["evaluator"]).exists()


@pytest.mark.parametrize(
    ("recorded", "typed"),
    [("+44 7700 900123", "07700 900123"), ("07700 900123", "+44 7700 900123"), ("07700900123", "0044 7700 900 123")],
)
def test_it_finds_a_phone_in_its_national_or_international_form(world, recorded, typed):
    world.alice_org.country = "GB"
    world.alice_org.save()
    target = open_case(actor=world["coordinator"], program=world.program, phone=recorded)
    other = open_case(actor=world["coordinator"], program=world.program, phone="+44 7700 900124")
    html = search(sign_in(CsrfClient(), world["coordinator"]), typed).content.decode()
    assert target.reference in html and other.reference not in html


def test_the_search_form_says_what_is_matched_and_why(world):
    html = sign_in(CsrfClient(), world["coordinator"]).get("/cases/").content.decode()
    assert "complete and exact" in html and "never stored in a readable form" in html
    assert '<label for="id_q">Search</label>' in html  # not "(optional)": it is what the form is for


def test_the_case_list_names_the_lead_facilitator(world):
    case = alice_case(world)
    html = sign_in(CsrfClient(), world["coordinator"]).get("/cases/").content.decode()
    row = html.split(case.reference, 1)[1].split("</tr>")[0]
    assert world["facilitator"].display_name in row and world["facilitator"].email not in html


def _busy_case(world):
    """Alice's case with something in every panel of its page and on its timeline: a process with screenings, a
    binding agreement and a distress check-in, a sent referral, a conversation, a portal invitation, notes and tasks."""
    from django.utils import timezone

    from reparo.agreements.models import Agreement
    from reparo.messaging.services import thread_open
    from reparo.portal.services import invitation_issue
    from reparo.safety.services import distress_record
    from tests.portal.conftest import agree_to_portal
    from tests.referrals.factories import agreement, enriched_case, sent, share, survivor_of

    case = enriched_case(world)
    process = case.processes.get()
    Agreement.objects.filter(process=process).update(bound_at=timezone.now())
    survivor = survivor_of(case)
    share(world, survivor, ["identity", "contact", "needs"])
    agreement(world)
    sent(world, case, survivor, ["identity", "contact", "needs"])
    thread_open(actor=world["facilitator"], case=case, person=survivor)
    agree_to_portal(world, survivor, case)
    invitation_issue(actor=world["facilitator"], case=case, person=survivor, channel="in_person")
    distress_record(actor=world["facilitator"], process=process, person=survivor, moment="before", rating=3)
    for n in range(3):
        services.note_add(actor=world["facilitator"], case=case, body=f"note {n}")
        services.task_add(actor=world["facilitator"], case=case, title=f"task {n}", owner=world["facilitator"])
    return case, survivor


# Queries for the case page once a session's first page has filled its process's access copies: the session, the
# user, the case, its team, people, notes, tasks, harms and needs, its processes, its referrals, the conversations
# panel (its threads and the program's retention) and the portal panel (accounts and consent); with a portal account,
# its invitations. Someone who sees the case through its team rather than an organisation role also reads which
# cases those are. The timeline is read only when it is opened (TIMELINE_QUERIES). (Before issue 20's work: 23-25
# queries for any case; with the timeline still on the page: 16-23.)
CASE_PAGE_QUERIES = {("coordinator", "plain"): 15, ("coordinator", "busy"): 16,
                     ("facilitator", "plain"): 16, ("facilitator", "busy"): 17}  # fmt: skip
# Queries for the timeline on its own: the session, the user, the case, the actor's team roles, its status changes,
# notes, tasks and people, its processes and referrals; with a process, its moves (audit trail), agreements and
# check-ins; with a referral, its moves. Someone on the team also reads which cases they see and their processes.
TIMELINE_QUERIES = {("coordinator", "plain"): 10, ("coordinator", "busy"): 14,
                    ("facilitator", "plain"): 11, ("facilitator", "busy"): 15}  # fmt: skip


@pytest.mark.parametrize("who", ["coordinator", "facilitator"])
def test_it_shows_the_case_page_in_a_bounded_number_of_queries(world, who, django_assert_max_num_queries):
    plain = alice_case(world)
    busy, survivor = _busy_case(world)
    client = sign_in(CsrfClient(), world[who])
    client.get(f"/cases/{plain.pk}/")  # the first page of a session also fills its process's access copies
    for kind, case in (("plain", plain), ("busy", busy)):
        with django_assert_max_num_queries(CASE_PAGE_QUERIES[who, kind]):
            html = client.get(f"/cases/{case.pk}/").content.decode()
        assert case.reference in html
        with django_assert_max_num_queries(TIMELINE_QUERIES[who, kind]):
            timeline = client.get(f"/cases/{case.pk}/timeline/", headers={"HX-Request": "true"}).content.decode()
    # Everything the busy case has is on its page and its timeline: the counts above are for all of it.
    referral = reverse("referrals:detail", kwargs={"pk": busy.referrals.get().pk})
    for shown in (referral, f"With {survivor.display_code}", "code works until", "note 2", "task 2"):
        assert shown in html, shown
    for shown in ("Process started", "accepted by everyone and binding", "Distress check-in", "Referral R-", "task 2"):
        assert shown in timeline, shown
    assert 'class="timeline"' not in html and "Distress check-in for" not in html  # the timeline waits to be opened


@pytest.mark.parametrize(("who", "queries"), [("coordinator", 4), ("facilitator", 5)])
def test_it_shows_the_case_list_in_a_bounded_number_of_queries(world, who, queries, django_assert_max_num_queries):
    for _ in range(30):
        alice_case(world)
    client = sign_in(CsrfClient(), world[who])
    client.get("/cases/")  # the first page of a session also fills its process's access copies
    # The session, the user, the count (from the tally; a team member's own cases are counted), the page of cases.
    with django_assert_max_num_queries(queries):
        html = client.get("/cases/").content.decode()
    assert html.count("<tr>") == 26  # the heading and 25 cases
