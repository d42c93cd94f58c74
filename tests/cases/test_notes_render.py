"""The notes tag renders what the template loop it replaced rendered."""

import datetime
import uuid
from types import SimpleNamespace

import pytest
from django.template import engines
from django.test import SimpleTestCase
from django.utils import translation

from reparo.cases.models import NoteConfidentiality

LOOP = """{% load i18n %}{% for note in notes %}
  <article class="note">
    <p class="muted">{{ note.created_at|date:"DATETIME_FORMAT" }} · {{ note.author.display_name|default:"—" }} · {{ note.get_confidentiality_display }}{% if access.can_work %} · <a href="{% url 'cases:note_edit' case.pk note.pk %}">{% translate "Edit" %}</a>{% endif %}</p>
    <p>{{ note.body|linebreaksbr }}</p>
  </article>
  {% endfor %}"""  # noqa: E501 - templates/cases/_notes.html before the tag, kept here to compare with


def note(body, confidentiality, author):
    return SimpleNamespace(
        pk=uuid.uuid4(),
        created_at=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC),
        author=author,
        author_id=author and 1,
        confidentiality=confidentiality,
        get_confidentiality_display=lambda: NoteConfidentiality(confidentiality).label,
        body=body,
    )


@pytest.mark.parametrize(("language", "can_work"), [("en", True), ("es", True), ("en", False)])
def test_it_renders_what_the_loop_rendered(language, can_work, settings):
    settings.TIME_ZONE = "America/Mexico_City"
    author = SimpleNamespace(email="f@a.example", display_name="Fay Author")
    notes = [
        note('First line\nsecond <b>"line"</b> & more', NoteConfidentiality.TEAM, author),
        note("Only for supervisors", NoteConfidentiality.SUPERVISORS, None),
    ]
    context = {"notes": notes, "case": SimpleNamespace(pk=uuid.uuid4()), "access": SimpleNamespace(can_work=can_work)}
    engine = engines["django"]
    with translation.override(language):
        old = engine.from_string(LOOP).render(context)
        new = engine.from_string("{% load case_notes %}{% note_items notes case access.can_work %}").render(context)
    SimpleTestCase().assertHTMLEqual(new, old)
    assert {"en": "1 Mar 2026, 17:30", "es": "1 mar 2026, 17:30"}[language] in new and "Fay Author" in new
    assert "second &lt;b&gt;&quot;line&quot;&lt;/b&gt; &amp; more" in new
    assert ("/notes/" in new) == can_work
