"""The form page that views share: a blank form on GET, a service on POST, the service's refusals on the form."""

from __future__ import annotations

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory, override_settings

from reparo.core.actions import form_page

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {"page.html": "{{ title }}|{{ form.name.value|default:'' }}|{{ form.errors }}|{{ refused }}"},
                )
            ]
        },
    }
]


class NameForm(forms.Form):
    name = forms.CharField(max_length=20)

    def __init__(self, *args, suffix="", **kwargs):
        super().__init__(*args, **kwargs)
        self.suffix = suffix


def request(method="get", data=None):
    made = getattr(RequestFactory(), method)("/page/", data or {})
    made.session = SessionStore()
    made._messages = FallbackStorage(made)
    return made


def page(req, call=lambda form: form.cleaned_data["name"], **kwargs):
    kwargs = {
        "template": "page.html",
        "context": {"title": "Title"},
        "call": call,
        "success": "Saved.",
        "back_to": "/done/",
        **kwargs,
    }
    return form_page(req, NameForm, **kwargs)


@override_settings(TEMPLATES=TEMPLATES)
def test_it_shows_the_form_with_its_initial_values_and_the_context():
    response = page(request(), initial={"name": "Ada"})
    assert response.status_code == 200
    assert response.content.decode().startswith("Title|Ada|")


@override_settings(TEMPLATES=TEMPLATES)
def test_it_runs_the_service_with_the_valid_form_then_says_so_and_goes_back():
    seen = []
    req = request("post", {"name": "Ada"})
    response = page(req, call=lambda form: seen.append(form.suffix) or "result", form_kwargs={"suffix": "!"},
                    back_to=lambda result: f"/done/{result}/")  # fmt: skip
    assert (response.status_code, response["Location"], seen) == (302, "/done/result/", ["!"])
    assert [str(m) for m in get_messages(req)] == ["Saved."]


@override_settings(TEMPLATES=TEMPLATES)
def test_it_lets_the_view_say_how_it_went():
    said = []
    response = page(request("post", {"name": "Ada"}), success=lambda result: said.append(result))
    assert response.status_code == 302 and said == ["Ada"]


@override_settings(TEMPLATES=TEMPLATES)
def test_it_shows_an_invalid_form_again_without_calling_the_service():
    calls = []
    response = page(request("post", {"name": "x" * 30}), call=calls.append)
    assert response.status_code == 400 and calls == []
    assert "x" * 30 in response.content.decode() and "at most 20 characters" in response.content.decode()
    assert page(request("post", {}), invalid_status=200).status_code == 200


@override_settings(TEMPLATES=TEMPLATES)
@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (ValidationError("Not today."), "Not today."),
        (ValidationError({"name": "Not that name."}), "Not that name."),
        (ValidationError({"elsewhere": "About something else."}), "About something else."),
    ],
)
def test_it_puts_a_refused_change_on_the_form_and_keeps_what_was_typed(error, shown):
    def refuse(form):
        raise error

    response = page(request("post", {"name": "Ada"}), call=refuse)
    html = response.content.decode()
    assert response.status_code == 400 and shown in html and "|Ada|" in html


@override_settings(TEMPLATES=TEMPLATES)
def test_it_answers_not_found_when_the_service_refuses_the_actor():
    def refuse(form):
        raise PermissionDenied

    with pytest.raises(Http404):
        page(request("post", {"name": "Ada"}), call=refuse)


@override_settings(TEMPLATES=TEMPLATES)
def test_it_answers_409_with_what_the_page_says_about_a_conflict():
    class Gate(ValidationError):
        pass

    def refuse(form):
        raise Gate("closed")

    response = page(
        request("post", {"name": "Ada"}),
        call=refuse,
        context=lambda: {"title": "Title", "refused": "no"},
        conflicts={Gate: lambda exc, form: (form, {"refused": exc.messages[0]})},
    )
    assert response.status_code == 409
    assert response.content.decode() == "Title|Ada||closed"


def test_it_keeps_the_initial_values_a_form_gives_itself(rf, monkeypatch):
    """A form that fills in its own initial values (an interview's date, today) shows them on the blank page."""
    from django import forms

    from reparo.core.actions import form_page

    class DatedForm(forms.Form):
        on = forms.CharField()

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initial", {"on": "today"})
            super().__init__(*args, **kwargs)

    seen = {}

    def render_spy(request, template, context, status=200):
        seen["form"] = context["form"]
        from django.http import HttpResponse

        return HttpResponse(status=status)

    monkeypatch.setattr("reparo.core.actions.render", render_spy)
    form_page(rf.get("/"), DatedForm, template="x.html", context={}, call=lambda f: None, success="", back_to="/")
    assert seen["form"]["on"].value() == "today"
