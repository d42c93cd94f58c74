from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reparo.cases.models import CaseStatus, NeedCategory, NeedPriority, NoteConfidentiality, ReferralSource, TeamRole
from reparo.core.forms import MAX_ID, BoundedModelChoiceField
from reparo.core.htcds import ExploitationType, Gender, MethodOfControl, RecruitmentMethod
from reparo.core.languages import language_choices
from reparo.core.widgets import LeanSelect, shared_choices

NEED_ROWS = 3

DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class IntakeForm(forms.Form):
    """One page: the referral, the survivor, what happened, what they need. Only what is marked is required."""

    program = BoundedModelChoiceField(label=_("Program"), queryset=None, empty_label=None)  # type: ignore[arg-type,var-annotated]
    referral_source = forms.ChoiceField(label=_("Referred by"), choices=ReferralSource.choices)
    referral_date = forms.DateField(label=_("Referral date"), widget=DATE_INPUT)
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A few lines for the team. Avoid details the person has not chosen to share."),
    )  # fmt: skip

    given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    aliases = forms.CharField(
        label=_("Other names"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )  # fmt: skip
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE_INPUT)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    address = forms.CharField(label=_("Address"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=language_choices, required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )  # fmt: skip

    responsible_given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    responsible_family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)

    exploitation_types = forms.MultipleChoiceField(
        label=_("Types of exploitation"), choices=ExploitationType.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    methods_of_control = forms.MultipleChoiceField(
        label=_("Methods of control"), choices=MethodOfControl.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    recruitment_methods = forms.MultipleChoiceField(
        label=_("How recruitment happened"), choices=RecruitmentMethod.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    harm_description = forms.CharField(
        label=_("What happened, in their words"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        for n in range(1, NEED_ROWS + 1):
            self.fields[f"need_{n}_category"] = forms.ChoiceField(
                label=_("Need"), choices=[("", "—"), *NeedCategory.choices], required=False
            )
            self.fields[f"need_{n}_priority"] = forms.TypedChoiceField(
                label=_("Priority"), choices=NeedPriority.choices, coerce=int, initial=NeedPriority.MEDIUM,
                required=False,
            )  # fmt: skip
            self.fields[f"need_{n}_statement"] = forms.CharField(
                label=_("In their words"), required=False, widget=forms.Textarea(attrs={"rows": 2})
            )

    def clean_referral_date(self) -> Any:
        value = self.cleaned_data["referral_date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The referral date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("given_name") or data.get("family_name") or data.get("aliases")):
            self.add_error("given_name", _("Give at least one name the survivor is known by (it is stored encrypted)."))
        for n in range(1, NEED_ROWS + 1):
            if data.get(f"need_{n}_statement") and not data.get(f"need_{n}_category"):
                self.add_error(f"need_{n}_category", _("Choose what kind of need this is."))
        return data

    def need_rows(self) -> list[list[Any]]:
        return [
            [self[f"need_{n}_category"], self[f"need_{n}_priority"], self[f"need_{n}_statement"]]
            for n in range(1, NEED_ROWS + 1)
        ]

    def survivor_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "given_name": d["given_name"] or None,
            "family_name": d["family_name"] or None,
            "aliases": d["aliases"] or None,
            "date_of_birth": d["date_of_birth"],
            "phone": d["phone"] or None,
            "email": d["email"] or None,
            "address": d["address"] or None,
            "gender": d["gender"] or "",
            "languages": list(d["languages"]),
        }

    def responsible_fields(self) -> dict[str, Any] | None:
        d = self.cleaned_data
        if not (d["responsible_given_name"] or d["responsible_family_name"]):
            return None
        return {"given_name": d["responsible_given_name"] or None, "family_name": d["responsible_family_name"] or None}

    def needs(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        return [
            {"category": d[f"need_{n}_category"], "priority": d[f"need_{n}_priority"] or 2,
             "statement": d[f"need_{n}_statement"]}
            for n in range(1, NEED_ROWS + 1)
            if d.get(f"need_{n}_category")
        ]  # fmt: skip


class CaseSearchForm(forms.Form):
    use_required_attribute = False  # "Clear the search" submits the same form, empty

    q = forms.CharField(
        label=_("Search"),
        max_length=200,
        help_text=_(
            "A case reference, or a person's full name, phone number or e-mail address, complete and exact. Names "
            "and contact details are never stored in a readable form, so they can only be matched whole, never by "
            "a part. A phone number may have spaces, and be written the national or the international way."
        ),
    )


class CaseFilterForm(forms.Form):
    """The case list's filters. Programs and colleagues come as (id, label) pairs: the list of colleagues can run
    to hundreds of people, and building a model instance for each on every page view is the list's largest cost."""

    search = forms.BooleanField(required=False, widget=forms.HiddenInput)
    program = forms.TypedChoiceField(
        label=_("Program"), coerce=int, required=False, empty_value=None, widget=LeanSelect
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *CaseStatus.choices], required=False, widget=LeanSelect
    )
    team_member = forms.TypedChoiceField(
        label=_("Team member"), coerce=uuid.UUID, required=False, empty_value=None, widget=LeanSelect
    )
    overdue = forms.BooleanField(label=_("Only with overdue tasks"), required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"), choices=[(10, "10"), (25, "25"), (50, "50")], coerce=int, required=False,
        widget=LeanSelect,
    )  # fmt: skip

    def __init__(self, *args: Any, programs: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = shared_choices(programs)  # type: ignore[attr-defined]
        self.fields["team_member"].choices = shared_choices(colleagues)  # type: ignore[attr-defined]


class CaseEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, max_value=MAX_ID)
    referral_source = forms.ChoiceField(label=_("Referred by"), choices=ReferralSource.choices)
    referral_date = forms.DateField(label=_("Referral date"), widget=DATE_INPUT)
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(label=_("Move the case to"), choices=CaseStatus.choices)
    reason = forms.CharField(
        label=_("Why"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("A survivor who withdraws never has to give a reason."),
    )  # fmt: skip


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))
    confidentiality = forms.ChoiceField(
        label=_("Who can read it"), choices=NoteConfidentiality.choices, initial=NoteConfidentiality.TEAM,
        widget=LeanSelect,
    )  # fmt: skip


class NoteEditForm(NoteForm):
    version = forms.IntegerField(widget=forms.HiddenInput, max_value=MAX_ID)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=300)
    owner = BoundedModelChoiceField(label=_("Owner"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]
    due_date = forms.DateField(label=_("Due"), required=False, widget=DATE_INPUT)

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = team  # type: ignore[attr-defined]


class TeamForm(forms.Form):
    user = BoundedModelChoiceField(label=_("Person"), queryset=None, widget=LeanSelect)  # type: ignore[arg-type,var-annotated]
    # No default: the first role would be one that many people's organisation role does not allow.
    role = forms.ChoiceField(label=_("Role on this case"), choices=[("", _("Choose a role")), *TeamRole.choices])

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = colleagues  # type: ignore[attr-defined]


class NeedForm(forms.Form):
    category = forms.ChoiceField(label=_("Need"), choices=NeedCategory.choices)
    priority = forms.TypedChoiceField(label=_("Priority"), choices=NeedPriority.choices, coerce=int)
    statement = forms.CharField(label=_("In their words"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HarmForm(forms.Form):
    exploitation_types = IntakeForm.base_fields["exploitation_types"]
    methods_of_control = IntakeForm.base_fields["methods_of_control"]
    recruitment_methods = IntakeForm.base_fields["recruitment_methods"]
    description = forms.CharField(
        label=_("What happened, in their words"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
