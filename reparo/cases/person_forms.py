from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from reparo.core.forms import MAX_ID
from reparo.core.htcds import Gender
from reparo.core.languages import language_choices

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class PersonForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, max_value=MAX_ID)
    given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    aliases = forms.CharField(
        label=_("Other names"), required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("One per line.")
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_INPUT)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    citizenship = forms.MultipleChoiceField(
        label=_("Citizenship"), choices=list(countries), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=language_choices, required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )

    @classmethod
    def initial_for(cls, person: Any) -> dict[str, Any]:
        return {
            "version": person.version,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "aliases": "\n".join(person.aliases or []),
            "date_of_birth": person.date_of_birth,
            "phone": person.phone,
            "email": person.email,
            "address": person.address,
            "gender": person.gender,
            "citizenship": [str(c) for c in person.citizenship],
            "languages": person.languages,
        }

    def changes(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d.pop("version")
        for key in ("given_name", "family_name", "phone", "email", "address"):
            d[key] = d[key] or None
        d["aliases"] = [line.strip() for line in (d["aliases"] or "").splitlines() if line.strip()] or None
        d["languages"] = list(d["languages"])
        d["citizenship"] = list(d["citizenship"])
        return d


class ErasureForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("The person asked for their details to be erased, and I have checked who is asking."), required=True
    )
