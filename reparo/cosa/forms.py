from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import BoundedModelChoiceField
from reparo.cosa.models import CLOSING_QUESTIONS, RiskLevel
from reparo.processes import circles

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
RATINGS = [(str(n), str(n)) for n in range(1, 6)]


# The inner circle's forms are those of every circle (``reparo.processes.circles``).
InnerMemberForm = circles.VolunteerForm
InnerMemberUpdateForm = circles.VolunteerUpdateForm


class OuterMemberForm(forms.Form):
    organisation = BoundedModelChoiceField(label=_("Partner organisation"), queryset=None)  # type: ignore[arg-type,var-annotated]
    role_description = forms.CharField(label=_("Role in the outer circle"), max_length=200)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = partners  # type: ignore[attr-defined]


class MeetingForm(circles.MeetingForm):
    held_at = forms.DateTimeField(label=_("Held at"), widget=DATETIME_INPUT)
    core_member_attended = forms.BooleanField(label=_("The core member came"), required=False)
    minutes = forms.CharField(
        label=_("Minutes"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Minutes are due within 48 hours of the meeting. You can add them later."),
    )  # fmt: skip


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}))


class ConcernForm(forms.Form):
    risk_level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices, widget=forms.RadioSelect)
    description = forms.CharField(label=_("What was seen or heard"), widget=forms.Textarea(attrs={"rows": 3}))


class EscalateForm(forms.Form):
    organisation = BoundedModelChoiceField(label=_("Pass to"), queryset=None)  # type: ignore[arg-type,var-annotated]

    def __init__(self, *args: Any, outer: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = outer  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    review_date = forms.DateField(label=_("Review date"), widget=DATE_INPUT)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))
    next_review_due = forms.DateField(
        label=_("Next review due"), required=False, widget=DATE_INPUT,
        help_text=_("Leave empty for three months after this review."),
    )  # fmt: skip


class QuestionnaireForm(forms.Form):
    comment = forms.CharField(label=_("Anything else"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = {
            code: forms.ChoiceField(
                label=label,
                choices=RATINGS,
                widget=forms.RadioSelect,
                help_text=_("1 = not at all, 5 = very much"),
            )
            for code, label in CLOSING_QUESTIONS
        }
        comment = self.fields.pop("comment")
        self.fields.update(fields)
        self.fields["comment"] = comment

    def ratings(self) -> dict[str, str]:
        return {code: self.cleaned_data[code] for code, _label in CLOSING_QUESTIONS}

    def rating_fields(self) -> list[Any]:
        return [self[code] for code, _label in CLOSING_QUESTIONS]
