from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reparo.consent.models import ConsentMethod
from reparo.core.forms import BoundedModelChoiceField
from reparo.processes import circles
from reparo.support.models import GoalArea, PartnerKind, ProgressKind, WorryLevel

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE_INPUT = forms.DateInput(attrs={"type": "date"})
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _now_to_the_minute() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


class OpenForm(forms.Form):
    survivor = BoundedModelChoiceField(label=_("Survivor"), queryset=None)  # type: ignore[arg-type,var-annotated]
    known_as = forms.CharField(
        label=_("Name the volunteers use"), max_length=60,
        help_text=_("A first name or a name the survivor chose. Never a surname."),
    )  # fmt: skip
    survivor_joins_meetings = forms.BooleanField(
        label=_("The survivor wants to come to the meetings"), required=False, initial=True
    )
    consent_method = forms.ChoiceField(
        label=_("How the survivor agreed to have a support circle"),
        choices=[("", _("Already recorded")), *ConsentMethod.choices],
        required=False,
        help_text=_("Leave as it is only if the agreement to this circle is already recorded."),
    )
    consent_given_at = forms.DateTimeField(
        label=_("Agreed on"), required=False, widget=DATETIME_INPUT, initial=_now_to_the_minute
    )
    witness_name = forms.CharField(label=_("Witness"), max_length=150, required=False)

    def __init__(self, *args: Any, survivors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = survivors  # type: ignore[attr-defined]
        self.fields["survivor"].label_from_instance = lambda p: p.display_code  # type: ignore[attr-defined]


class SettingsForm(forms.Form):
    known_as = forms.CharField(label=_("Name the volunteers use"), max_length=60)
    survivor_joins_meetings = forms.BooleanField(label=_("The survivor wants to come to the meetings"), required=False)
    next_meeting_at = forms.DateTimeField(label=_("Next meeting"), required=False, widget=DATETIME_INPUT)
    next_meeting_place = forms.CharField(
        label=_("Where"), max_length=200, required=False,
        help_text=_("Shown to the volunteers and, in the portal, to the survivor."),
    )  # fmt: skip


# The inner circle's forms are those of every circle (``reparo.processes.circles``).
VolunteerForm = circles.VolunteerForm
VolunteerUpdateForm = circles.VolunteerUpdateForm


class PartnerForm(forms.Form):
    organisation = BoundedModelChoiceField(label=_("Partner organisation"), queryset=None)  # type: ignore[arg-type,var-annotated]
    kind = forms.ChoiceField(label=_("What they help with"), choices=PartnerKind.choices)
    role_description = forms.CharField(label=_("Their part in the circle"), max_length=200)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = partners  # type: ignore[attr-defined]


class GoalForm(forms.Form):
    area = forms.ChoiceField(label=_("Area"), choices=GoalArea.choices)
    words = forms.CharField(
        label=_("The goal, in the survivor's words"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    shared_with_volunteers = forms.BooleanField(label=_("The volunteers may see it"), required=False, initial=True)


class GoalUpdateForm(forms.Form):
    words = forms.CharField(
        label=_("The goal, in the survivor's words"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    shared_with_volunteers = forms.BooleanField(label=_("The volunteers may see it"), required=False)


class StepForm(forms.Form):
    words = forms.CharField(label=_("The step"), max_length=1000)
    helper = BoundedModelChoiceField(
        label=_("Volunteer who helps"),
        queryset=None,
        required=False,
        empty_label=_("Nobody yet"),  # type: ignore[arg-type]
    )
    partner = BoundedModelChoiceField(
        label=_("Partner who helps"),
        queryset=None,
        required=False,
        empty_label=_("None"),  # type: ignore[arg-type]
    )

    def __init__(self, *args: Any, helpers: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["helper"].queryset = helpers  # type: ignore[attr-defined]
        self.fields["helper"].label_from_instance = lambda m: m.user.get_short_name()  # type: ignore[attr-defined]
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]
        self.fields["partner"].label_from_instance = lambda p: p.organisation.name  # type: ignore[attr-defined]


class ProgressForm(forms.Form):
    kind = forms.ChoiceField(label=_("What it is"), choices=ProgressKind.choices, widget=forms.RadioSelect)
    step = BoundedModelChoiceField(
        label=_("Which step"),
        queryset=None,
        required=False,
        empty_label=_("No particular step"),  # type: ignore[arg-type]
    )
    words = forms.CharField(
        label=_("What happened"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, steps: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].queryset = steps  # type: ignore[attr-defined]
        self.fields["step"].label_from_instance = lambda s: s.words  # type: ignore[attr-defined]


class AnswerForm(forms.Form):
    confirmed = forms.ChoiceField(label=_("The survivor confirms it"), choices=YES_NO)

    @property
    def is_confirmed(self) -> bool:
        return self.cleaned_data["confirmed"] == "yes"


class MeetingForm(circles.MeetingForm):
    held_at = forms.DateTimeField(label=_("When it was held"), widget=DATETIME_INPUT, initial=_now_to_the_minute)
    survivor_came = forms.BooleanField(label=_("The survivor came"), required=False)
    what_was_done = forms.CharField(
        label=_("What was done"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The minutes are due within 48 hours of the meeting. You can add them later."),
    )  # fmt: skip
    next_steps = forms.CharField(
        label=_("Next steps"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, members: Any, survivor_may_come: bool, **kwargs: Any) -> None:
        super().__init__(*args, members=members, **kwargs)
        if not survivor_may_come:
            del self.fields["survivor_came"]


class MinutesForm(forms.Form):
    what_was_done = forms.CharField(label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    next_steps = forms.CharField(
        label=_("Next steps"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class WorryForm(forms.Form):
    level = forms.ChoiceField(label=_("How soon"), choices=WorryLevel.choices, widget=forms.RadioSelect)
    words = forms.CharField(label=_("What worries you"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))


class ClosingForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE_INPUT, initial=timezone.localdate)
    survivor_took_part = forms.BooleanField(label=_("The survivor took part"), required=False, initial=True)
    what_changed = forms.CharField(
        label=_("What changed, in the survivor's words"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    what_helped = forms.CharField(
        label=_("What helped, and what did not"), max_length=5000, required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
