"""{% field_block %} renders what the _field.html include it replaced rendered, in English and Spanish; a checkbox
and a group of checkboxes or radio buttons the GOV.UK way (the box beside its words, a group in a fieldset)."""

import pytest
from django import forms
from django.template import engines
from django.utils import translation

from reparo.core.widgets import LeanSelect

INCLUDE = """{% load i18n %}
<div class="field{% if field.errors %} field--error{% endif %}">
  <label for="{{ field.id_for_label }}">{{ field.label }}{% if not field.field.required %} <span class="optional">({% translate "optional" %})</span>{% endif %}</label>
  {% if field.help_text %}<p class="hint" id="{{ field.auto_id }}_helptext">{{ field.help_text }}</p>{% endif %}
  {% for e in field.errors %}<p class="field-error" id="{{ field.auto_id }}_error">{{ e }}</p>{% endfor %}
  {{ field }}
</div>
"""  # noqa: E501 - templates/_field.html before the tag, kept here to compare with


class Form(forms.Form):
    name = forms.CharField(label="Name <you>", max_length=5, help_text='Say "hi" & <wave>')
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], required=False, widget=LeanSelect)
    note = forms.CharField(label="Note", widget=forms.Textarea, required=False)
    agree = forms.BooleanField(label="Agree")
    when = forms.DateField(label="When", required=False, widget=forms.DateInput(attrs={"type": "date"}))


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    "data", [None, {"name": "<toolong>", "kind": "z", "when": "nope"}, {"name": "ok", "agree": "on"}]
)
def test_it_renders_what_the_include_rendered(language, data):
    engine = engines["django"]
    old, new = engine.from_string(INCLUDE), engine.from_string("{% field_block field %}\n")
    with translation.override(language):
        form = Form(data)
        for field in form:
            if field.name == "agree":
                continue  # a single checkbox: drawn the GOV.UK way (below)
            assert new.render({"field": field}) == old.render({"field": field}).removeprefix("\n"), field.name
    if data and "kind" in data:
        assert 'class="field field--error"' in new.render({"field": Form(data)["kind"]})


def test_no_template_includes_the_old_field_template_any_more():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "templates"
    assert not [p for p in templates.rglob("*.html") if '"_field.html"' in p.read_text()]


class Choices(forms.Form):
    agree = forms.BooleanField(label="I agree", help_text="You can change your mind", required=False)
    colours = forms.MultipleChoiceField(
        label="Colours", choices=[("r", "Red"), ("g", "Green")], widget=forms.CheckboxSelectMultiple, help_text="Any"
    )
    size = forms.ChoiceField(label="Size", choices=[("s", "Small"), ("l", "Large")], widget=forms.RadioSelect)


def render(field):
    return engines["django"].from_string("{% field_block field %}").render({"field": field})


def test_it_puts_a_checkbox_before_its_label_without_calling_it_optional():
    html = render(Choices()["agree"])
    assert html.index('type="checkbox"') < html.index('<label for="id_agree">I agree</label>')
    assert "optional" not in html
    assert 'class="field field--check"' in html
    assert '<p class="hint" id="id_agree_helptext">You can change your mind</p>' in html


def test_it_groups_checkboxes_and_radio_buttons_in_a_fieldset_with_the_question_as_legend():
    form = Choices({"agree": "on"})
    colours, size = render(form["colours"]), render(form["size"])
    for html, question in ((colours, "Colours"), (size, "Size")):
        assert html.startswith('<fieldset class="field choices field--error"')
        assert f"<legend>{question}</legend>" in html
        assert '<label for="">' not in html  # no label pointing nowhere
    assert 'aria-describedby="id_colours_helptext"' in colours
    assert '<label for="id_size_0"><input type="radio"' in size


def test_the_choices_include_renders_what_the_tag_renders():
    engine = engines["django"]
    field = Choices()["colours"]
    include = engine.from_string('{% include "_choices_field.html" %}').render({"field": field})
    assert include.strip() == render(field)
