from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import MAX_ID, BoundedModelChoiceField
from reparo.safety.instruments import Instrument
from reparo.safety.models import CheckInMoment, Outcome, RestrictionKind, RiskLevel

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
MET = [("yes", _("Yes")), ("no", _("No")), ("unsure", _("Not sure"))]
INDICATOR = [("absent", _("Absent")), ("present", _("Present")), ("unknown", _("Not known"))]


class ScreeningForm(forms.Form):
    person = BoundedModelChoiceField(label=_("Person"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]
    # A safety judgement has no default: the person screening chooses it, every time.
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[("", _("Choose the outcome")), *Outcome.choices])
    risk_level = forms.ChoiceField(
        label=_("Risk level"), choices=[("", _("Choose the risk level")), *RiskLevel.choices]
    )
    reasons = forms.CharField(
        label=_("Reasons"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed for any outcome other than “ready”, and for a high risk."),
    )  # fmt: skip

    def __init__(self, *args: Any, instrument: Instrument, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        choices = INDICATOR if instrument.answers == "indicator" else MET
        for item in instrument.items:
            self.fields[f"item_{item.key}"] = forms.ChoiceField(
                label=item.label, choices=choices, widget=forms.RadioSelect
            )
        if instrument.kind == "risk_assessment":
            del self.fields["person"], self.fields["outcome"]
        else:
            del self.fields["risk_level"]
            self.fields["person"].required = True
            self.fields["person"].queryset = people  # type: ignore[attr-defined]
            self.fields["person"].label_from_instance = lambda p: p.display_code  # type: ignore[attr-defined]

    def item_fields(self) -> list[Any]:
        return [self[f"item_{item.key}"] for item in self.instrument.items]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "answers": {item.key: data[f"item_{item.key}"] for item in self.instrument.items},
            "person": data.get("person"),
            "outcome": data.get("outcome", ""),
            "risk_level": data.get("risk_level", ""),
            "reasons": data.get("reasons", ""),
        }


class SafetyPlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, max_value=MAX_ID, required=False)
    warning_signs = forms.CharField(label=_("Warning signs"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    coping_steps = forms.CharField(label=_("Coping steps"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    safe_contacts = forms.CharField(label=_("Safe contacts"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    safe_words = forms.CharField(label=_("Safe words"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    session_arrangements = forms.CharField(
        label=_("Arrangements for sessions"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: separate arrival times and waiting rooms."),
    )  # fmt: skip
    next_review_on = forms.DateField(label=_("Next review"), widget=DATE_INPUT)


class RestrictionForm(forms.Form):
    person_a = BoundedModelChoiceField(label=_("Between"), queryset=None)  # type: ignore[arg-type,var-annotated]
    person_b = BoundedModelChoiceField(label=_("And"), queryset=None)  # type: ignore[arg-type,var-annotated]
    kind = forms.ChoiceField(label=_("Kind"), choices=RestrictionKind.choices)
    source = forms.CharField(label=_("Source (court, reference)"), required=False, max_length=300)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT)
    valid_to = forms.DateField(label=_("Valid until"), widget=DATE_INPUT, required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("person_a", "person_b"):
            self.fields[name].queryset = people  # type: ignore[attr-defined]
            self.fields[name].label_from_instance = lambda p: p.display_code  # type: ignore[attr-defined]


class CheckInForm(forms.Form):
    person = BoundedModelChoiceField(label=_("Person"), queryset=None)  # type: ignore[arg-type,var-annotated]
    moment = forms.ChoiceField(label=_("When"), choices=CheckInMoment.choices)
    rating = forms.IntegerField(
        label=_("Distress from 0 (none) to 10 (the most)"), min_value=0, max_value=10,
        widget=forms.NumberInput(attrs={"min": 0, "max": 10}),
    )  # fmt: skip
    session = BoundedModelChoiceField(label=_("Session"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]
    preparation = BoundedModelChoiceField(label=_("Preparation meeting"), queryset=None, required=False)  # type: ignore[arg-type,var-annotated]

    def __init__(self, *args: Any, people: Any, sessions: Any, preparations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["person"].label_from_instance = lambda p: p.display_code  # type: ignore[attr-defined]
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]
        self.fields["preparation"].queryset = preparations  # type: ignore[attr-defined]
        self.fields["preparation"].label_from_instance = (  # type: ignore[attr-defined]
            lambda m: f"{m.held_on:%Y-%m-%d} · {m.participant.person.display_code}"
        )


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(
        label=_("Distress threshold (1-10)"), min_value=1, max_value=10,
        help_text=_("A check-in rated at or above this pauses the process."),
    )  # fmt: skip
