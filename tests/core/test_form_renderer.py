"""The lean form renderer gives exactly Django's HTML for every widget it renders itself."""

import datetime
import itertools

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from reparo.core.form_renderer import (
    INPUT_TEMPLATES,
    OPTION_TEMPLATE,
    SELECT_TEMPLATE,
    TEXTAREA_TEMPLATE,
    LeanFormRenderer,
)

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
    assert all(lean._ours(name) for name in (*INPUT_TEMPLATES, TEXTAREA_TEMPLATE, SELECT_TEMPLATE, OPTION_TEMPLATE))

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
    for widget in (forms.RadioSelect(choices=choices), forms.CheckboxSelectMultiple(choices=choices),
                   forms.ClearableFileInput()):  # fmt: skip
        assert widget.render("name", "a", renderer=lean) == widget.render("name", "a", renderer=stock)


def test_a_bound_form_renders_as_before():
    class Form(forms.Form):
        name = forms.CharField(max_length=20, help_text="Your name")
        note = forms.CharField(widget=forms.Textarea, required=False)
        agree = forms.BooleanField()

    form = Form({"name": "<script>", "note": "a\nb", "agree": "on"})
    lean, stock = str(Form(form.data, renderer=LeanFormRenderer())), str(Form(form.data, renderer=DjangoTemplates()))
    assert lean == stock and "&lt;script&gt;" in lean


CHOICES = [
    [],
    [("", "---------"), ("a", "A <1> & 'b'"), ("b", mark_safe("<b>B</b>")), (3, 1234567), (None, "none")],
    [("x", gettext_lazy("Status")), ("Group <1>", [("g1", "One"), ("g2", 2.5)]), ("y", "Y"), ("", [("e", "E")])],
]
SELECTED = [None, "", "a", 3, "3", "g2", ["a", "g1"], ["b", 3, "e"]]


@pytest.mark.parametrize(
    ("make", "choices"),
    [*itertools.product([forms.Select, forms.SelectMultiple], CHOICES), (forms.NullBooleanSelect, None)],
)
def test_it_renders_selects_as_djangos_templates_do(make, choices):
    lean, stock = _lean_without_templates(), DjangoTemplates()
    nullable = make is forms.NullBooleanSelect
    for attrs, value, language in itertools.product(ATTRS, (None, True, False, "false") if nullable else SELECTED,
                                                    ("en", "fr")):  # fmt: skip
        widget = make(dict(attrs)) if nullable else make(dict(attrs), choices=choices)
        with override(language):
            assert widget.render("name", value, renderer=lean) == widget.render("name", value, renderer=stock), value


def test_a_select_whose_options_have_their_own_template_goes_through_the_templates():
    class Fancy(forms.Select):
        option_template_name = "django/forms/widgets/input.html"  # any template but Django's option

    lean, stock = LeanFormRenderer(), DjangoTemplates()
    widget = Fancy(choices=[("a", "A")])
    assert widget.render("name", "a", renderer=lean) == widget.render("name", "a", renderer=stock)
    assert "<option" not in widget.render("name", "a", renderer=lean)


def test_a_model_choice_field_renders_as_before(db):
    from reparo.organisations.models import Organisation

    for name in ("B <org>", "A & co", "C"):
        Organisation.objects.create(name=name)

    class Form(forms.Form):
        organisation = forms.ModelChoiceField(queryset=Organisation.objects.order_by("name"))
        several = forms.ModelMultipleChoiceField(queryset=Organisation.objects.order_by("name"), required=False)

    chosen = Organisation.objects.get(name="C").pk
    data = {"organisation": chosen, "several": [chosen]}
    lean, stock = str(Form(data, renderer=LeanFormRenderer())), str(Form(data, renderer=DjangoTemplates()))
    assert lean == stock and "A &amp; co" in lean and "B &lt;org&gt;" in lean
