from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from reparo.core.languages import language_choices
from reparo.core.widgets import LeanSelect
from reparo.processes.models import Accompanies, EndReason, FacilitatorRole, ProcessRole, ProcessType, SessionMode

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


class ProcessOpenForm(forms.Form):
    type = forms.ChoiceField(label=_("Type of process"), choices=ProcessType.choices, widget=LeanSelect)


SUPPORTS_CHOICES = [("", _("Not known, or neither")), *Accompanies.choices]
SUPPORTS_HELP = _(
    "For a supporter or a community member: at a joint meeting they are told only that side's times. While it is "
    "not known, the participants' site tells them no arrival time."
)


class ParticipantForm(forms.Form):
    case_participant = BoundedModelChoiceField(label=_("Person"), queryset=None)  # type: ignore[arg-type,var-annotated]
    role = forms.ChoiceField(label=_("Role in this process"), choices=ProcessRole.choices)
    supports = forms.ChoiceField(
        label=_("Comes with"), choices=SUPPORTS_CHOICES, required=False, help_text=SUPPORTS_HELP
    )

    def __init__(self, *args: Any, case_participants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["case_participant"]
        field.queryset = case_participants  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: f"{p.person.display_code} · {p.get_role_display()}"  # type: ignore[attr-defined]


class SupportsForm(forms.Form):
    supports = forms.ChoiceField(label=_("Comes with"), choices=SUPPORTS_CHOICES, required=False)


class FacilitatorForm(forms.Form):
    user = BoundedModelChoiceField(label=_("Person"), queryset=None)  # type: ignore[arg-type,var-annotated]
    role = forms.ChoiceField(label=_("Role"), choices=FacilitatorRole.choices)

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = team  # type: ignore[attr-defined]


class StageForm(forms.Form):
    to_stage = forms.CharField(widget=forms.HiddenInput)


class EndEarlyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why it ended"), choices=EndReason.choices)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PreparationForm(forms.Form):
    participant = BoundedModelChoiceField(label=_("With"), queryset=None)  # type: ignore[arg-type,var-annotated]
    held_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    covered = forms.MultipleChoiceField(
        label=_("What was covered"), required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, participants: Any, checklist: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].queryset = participants  # type: ignore[attr-defined]
        self.fields["participant"].label_from_instance = lambda p: str(p)  # type: ignore[attr-defined]
        self.fields["covered"].choices = checklist  # type: ignore[attr-defined]


class SessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_INPUT)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=15, max_value=480, initial=90)
    mode = forms.ChoiceField(label=_("How"), choices=SessionMode.choices)
    venue = forms.CharField(label=_("Venue"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    online_link = forms.URLField(label=_("Online meeting link"), required=False, assume_scheme="https")
    interpreter_language = forms.ChoiceField(
        label=_("Interpreter"), required=False, choices=lambda: [("", _("None")), *language_choices()]
    )
    invited = BoundedModelMultipleChoiceField(label=_("Invited"), queryset=None, widget=forms.CheckboxSelectMultiple)  # type: ignore[arg-type,var-annotated]
    survivor_arrives_at = forms.DateTimeField(label=_("Survivor arrives"), required=False, widget=DATETIME_INPUT)
    survivor_leaves_at = forms.DateTimeField(label=_("Survivor leaves"), required=False, widget=DATETIME_INPUT)
    responsible_arrives_at = forms.DateTimeField(
        label=_("Responsible person arrives"), required=False, widget=DATETIME_INPUT
    )
    responsible_leaves_at = forms.DateTimeField(
        label=_("Responsible person leaves"), required=False, widget=DATETIME_INPUT
    )

    def __init__(self, *args: Any, participants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invited"].queryset = participants  # type: ignore[attr-defined]
        self.fields["invited"].label_from_instance = lambda p: str(p)  # type: ignore[attr-defined]

    def times(self) -> dict[str, Any]:
        keys = ("survivor_arrives_at", "survivor_leaves_at", "responsible_arrives_at", "responsible_leaves_at")
        return {k: self.cleaned_data.get(k) for k in keys}


class RescheduleForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("New time"), widget=DATETIME_INPUT)
    reason = forms.CharField(label=_("Why"), required=False)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False)


class RecordForm(forms.Form):
    attended = forms.MultipleChoiceField(label=_("Who came"), required=False, widget=forms.CheckboxSelectMultiple)
    record = forms.CharField(label=_("Session record"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, invitations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attended"].choices = [(i.pk, str(i.participant)) for i in invitations]  # type: ignore[attr-defined]
