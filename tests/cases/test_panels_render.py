"""The people, team and task tags render what the template loops they replaced rendered (colleagues by name, a
task in the reader's language, dates in the one format)."""

import datetime
import uuid
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test import SimpleTestCase
from django.utils import translation

PEOPLE = """{% load i18n %}{% for p in participants %}
    <li><a href="{% url 'people:detail' p.person.pk %}"><code>{{ p.person.display_code }}</code></a> · {{ p.get_role_display }}{% if p.person.erased_at %} <span class="muted">({% translate "details erased on request" %})</span>{% endif %}</li>
  {% empty %}<li class="empty">{% translate "Nobody yet." %}</li>{% endfor %}"""  # noqa: E501 - templates/cases/detail.html before the tags
TEAM = """{% load i18n %}{% for m in team %}
    <li>{{ m.user.display_name }} · {{ m.get_role_display }}
    {% if access.can_manage_team %}<form class="inline" method="post" action="{% url 'cases:team_remove' case.pk m.pk %}">{% csrf_token %}<button class="button button--small button--secondary" type="submit">{% translate "Remove" %}</button></form>{% endif %}</li>
  {% empty %}<li class="empty">{% translate "Nobody is on the team yet." %}</li>{% endfor %}"""  # noqa: E501
TASKS = """{% load i18n %}{% for t in tasks %}
    <li class="{% if t.done_at %}done{% endif %}">{% if t.done_at %}✓ {% endif %}{{ t.display_title }}{% if t.owner %} · {{ t.owner.display_name }}{% endif %}{% if t.due_date %} · {% translate "due" %} {{ t.due_date|date:"DATE_FORMAT" }}{% if not t.done_at and t.due_date < today %} <strong class="overdue">{% translate "overdue" %}</strong>{% endif %}{% endif %}
    {% if not t.done_at and access.can_work %}<form class="inline" method="post" action="{% url 'cases:task_complete' case.pk t.pk %}">{% csrf_token %}<button class="button button--small button--secondary" type="submit">{% translate "Done" %}</button></form>{% endif %}</li>
  {% empty %}<li class="empty">{% translate "No tasks yet." %}</li>{% endfor %}"""  # noqa: E501

HOSTILE = 'a "quoted" <b>name</b> & more'
TODAY = datetime.date(2026, 3, 10)


def participant(code, role_label, erased):
    person = SimpleNamespace(pk=uuid.uuid4(), display_code=code, erased_at=erased)
    return SimpleNamespace(person=person, get_role_display=lambda: role_label)


def member(pk, email, role_label):
    user = SimpleNamespace(email=email, display_name=email)
    return SimpleNamespace(pk=pk, user=user, get_role_display=lambda: role_label)


def task(title, owner, due, done):
    return SimpleNamespace(pk=uuid.uuid4(), title=title, display_title=title, owner=owner, due_date=due, done_at=done)


def render(source, context, language):
    with translation.override(language):
        return engines["django"].from_string(source).render({**context, "csrf_token": "T0KEN-for-this-page"})


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("allowed", [True, False])
@pytest.mark.parametrize("empty", [True, False])
def test_the_tags_render_what_the_loops_rendered(language, allowed, empty):
    from reparo.cases.models import ParticipantRole, TeamRole

    case = SimpleNamespace(pk=uuid.uuid4())
    someone = SimpleNamespace(email="owner@alice.example", display_name="Olga Owner")
    context = {
        "case": case,
        "today": TODAY,
        "access": SimpleNamespace(can_work=allowed, can_manage_team=allowed),
        "participants": [] if empty else [
            participant("S-7F3KQ", ParticipantRole.SURVIVOR.label, None),
            participant(HOSTILE, ParticipantRole.RESPONSIBLE.label, datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)),
        ],
        "team": [] if empty else [
            member(7, HOSTILE, TeamRole.LEAD_FACILITATOR.label),
            member(12, "b@alice.example", TeamRole.SUPERVISOR.label),
        ],
        "tasks": [] if empty else [
            task(HOSTILE, someone, datetime.date(2026, 3, 1), None),  # overdue
            task("Call back", None, datetime.date(2026, 3, 1), datetime.datetime(2026, 3, 2, tzinfo=datetime.UTC)),
            task("Later", someone, datetime.date(2026, 4, 1), None),
            task("No date", None, None, None),
        ],
    }  # fmt: skip
    pairs = [
        (PEOPLE, "{% participant_items participants %}"),
        (TEAM, "{% team_items team case access.can_manage_team %}"),
        (TASKS, "{% task_items tasks case access.can_work today %}"),
    ]
    for loop, tag in pairs:
        old = render(loop, context, language)
        new = render("{% load case_panels %}" + tag, context, language)
        SimpleTestCase().assertHTMLEqual(new, old)
        assert "<b>" not in new
    if not empty:
        tasks = render("{% load case_panels %}{% task_items tasks case access.can_work today %}", context, language)
        assert tasks.count('class="overdue"') == 1 and (f"/cases/{case.pk}/tasks/" in tasks) == allowed
        assert ('name="csrfmiddlewaretoken" value="T0KEN-for-this-page"' in tasks) == allowed
        team = render("{% load case_panels %}{% team_items team case access.can_manage_team %}", context, language)
        assert (f"/cases/{case.pk}/team/12/remove/" in team) == allowed
