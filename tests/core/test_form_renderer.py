"""The lean form renderer gives exactly Django's HTML for every widget it renders itself."""

import datetime
import itertools

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from reparo.core.form_renderer import INPUT_TEMPLATES, TEXTAREA_TEMPLATE, LeanFormRenderer

WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    lambda attrs: forms.PasswordInput(attrs, render_value=True),
    forms.HiddenInput,
    forms.DateInput,
    lambda attrs: forms.DateInput(attrs, format="%d/%m/%Y"),
    forms.DateTimeInput,
    forms.TimeInput,
    forms.CheckboxInput,
    forms.Textarea,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
]
ATTRS = [
    {},
    {"id": "id_x", "required": True, "disabled": False, "maxlength": 30, "placeholder": "say \"hi\" <b> & 'bye'"},
    {"aria-describedby": "id_x_helptext", "class": mark_safe("a&amp;b"), "data-x": None},
]
VALUES = [None, "", "plain", 0, 12.5, True, False, 'x<y & "z" \'w\'', mark_safe("<i>safe</i>"), ("a", 1),
          datetime.date(2026, 11, 26), datetime.datetime(2026, 11, 26, 9, 30), datetime.time(9, 30)]  # fmt: skip


def _lean_without_templates() -> LeanFormRenderer:
    """A lean renderer that fails if it reaches for a template for the widgets it should render itself."""
    lean = LeanFormRenderer()
    assert all(lean._ours(name) for name in (*INPUT_TEMPLATES, TEXTAREA_TEMPLATE))

    def no_template(name):
        raise AssertionError(f"{name} went through the template engine")

    lean.get_template = no_template
    return lean


@pytest.mark.parametrize(("make", "attrs"), list(itertools.product(WIDGETS, ATTRS)))
def test_it_renders_what_djangos_templates_render(make, attrs):
    lean, stock = _lean_without_templates(), DjangoTemplates()
    for value in VALUES:
        widget = make(dict(attrs))
        assert widget.render("name", value, renderer=lean) == widget.render("name", value, renderer=stock), value


def test_it_is_the_projects_form_renderer_and_leaves_other_widgets_to_the_templates():
    assert settings.FORM_RENDERER == "reparo.core.form_renderer.LeanFormRenderer"
    lean, stock = LeanFormRenderer(), DjangoTemplates()
    choices = [("a", "A <1>"), ("b", "B")]
    for widget in (forms.Select(choices=choices), forms.RadioSelect(choices=choices),
                   forms.CheckboxSelectMultiple(choices=choices), forms.ClearableFileInput()):  # fmt: skip
        assert widget.render("name", "a", renderer=lean) == widget.render("name", "a", renderer=stock)


def test_a_bound_form_renders_as_before():
    class Form(forms.Form):
        name = forms.CharField(max_length=20, help_text="Your name")
        note = forms.CharField(widget=forms.Textarea, required=False)
        agree = forms.BooleanField()

    form = Form({"name": "<script>", "note": "a\nb", "agree": "on"})
    lean, stock = str(Form(form.data, renderer=LeanFormRenderer())), str(Form(form.data, renderer=DjangoTemplates()))
    assert lean == stock and "&lt;script&gt;" in lean
