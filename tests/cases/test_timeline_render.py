"""The timeline tag renders what the template loop it replaced rendered, in English and Spanish."""

import datetime

import pytest
from django.template import engines
from django.test import SimpleTestCase
from django.utils import translation
from django.utils.safestring import mark_safe

from reparo.cases.selectors import TimelineEntry

LOOP = """{% load i18n %}{% for e in timeline %}
  <li><time datetime="{{ e.at|date:'c' }}">{{ e.at|date:"DATETIME_FORMAT" }}</time>
    {% if e.kind == "status" %}{% translate "Status" %}: <strong>{{ e.text }}</strong>{% elif e.kind == "note" %}{% translate "Note added" %} ({{ e.text }}){% elif e.kind == "task" %}{% translate "Task added" %}: {{ e.text }}{% elif e.kind == "task_done" %}{% translate "Task done" %}: {{ e.text }}{% else %}{% translate "Joined the case" %}: {{ e.text }}{% endif %}
    {% if e.actor_label %}<span class="muted"> · {{ e.actor_label }}</span>{% endif %}
    {% if e.detail %}<br><span class="muted">{{ e.detail }}</span>{% endif %}
  </li>
{% endfor %}"""  # noqa: E501 - templates/cases/_timeline.html before the tag, kept here to compare with

AT = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
ENTRIES = [
    TimelineEntry(at=AT, kind="status", text="Intake", actor_label="a@b.example", detail='Why <b>"now"</b> & then'),
    TimelineEntry(at=AT, kind="note", text="Team"),
    TimelineEntry(at=AT - datetime.timedelta(days=40), kind="task", text="Call <back>"),
    TimelineEntry(at=AT, kind="task_done", text=mark_safe("<em>kept</em>")),
    TimelineEntry(at=AT, kind="participant", text="S-7F3KQ · Survivor"),
]


@pytest.mark.parametrize("language", ["en", "es"])
def test_it_renders_what_the_loop_rendered(language, settings):
    settings.TIME_ZONE = "Europe/Madrid"  # the entry at 23:30 UTC is the next day there
    engine = engines["django"]
    with translation.override(language):
        old = engine.from_string(LOOP).render({"timeline": ENTRIES})
        new = engine.from_string("{% load case_timeline %}{% timeline_items timeline %}").render({"timeline": ENTRIES})
    SimpleTestCase().assertHTMLEqual(new, old)
    expected = {"en": "2 Mar 2026, 00:30", "es": "2 mar 2026, 00:30"}[language]  # one date format, per language
    assert expected in new and "&lt;b&gt;" in new and "<em>kept</em>" in new
    with translation.override(language):
        said = translation.gettext("Joined the case")
    assert said in new and (said != "Joined the case") == (language == "es")
