from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import BoundedModelChoiceField, BoundedModelMultipleChoiceField
from reparo.core.htcds import Gender
from reparo.core.languages import language_choices
from reparo.processes.models import ProcessType
from reparo.training.models import OPEN_PROCESS_CAP_MAX, Level, ObserverRole, Rating

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
# The most open processes a facilitator can be given (a program's cap and a person's own), and the most
# practice scenarios or observed sessions a program can ask for before certification.
MAX_REQUIREMENT_COUNT = 100
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CPDForm(forms.Form):
    done_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.1, max_value=1000, decimal_places=1)
    activity = forms.CharField(label=_("Activity"), max_length=300)
    evidence = forms.CharField(label=_("Evidence (a reference or link)"), max_length=500, required=False)


class ReflectionForm(forms.Form):
    written_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    text = forms.CharField(label=_("Reflection"), widget=forms.Textarea(attrs={"rows": 4}))


class ProfileForm(forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages you facilitate in"), required=False, choices=language_choices
    )
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", "—"), *Gender.choices])


class ConflictForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=40)
    description = forms.CharField(
        label=_("What the conflict is"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    competencies: forms.ModelMultipleChoiceField[Any] = BoundedModelMultipleChoiceField(
        label=_("Competencies covered"),
        queryset=None,  # type: ignore[arg-type]
        widget=forms.CheckboxSelectMultiple,
    )
    is_workshop = forms.BooleanField(label=_("Workshop"), required=False)

    def __init__(self, *args: Any, competencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competencies"].queryset = competencies  # type: ignore[attr-defined]
        self.fields["competencies"].label_from_instance = lambda c: c.label  # type: ignore[attr-defined]


class CourseSessionForm(forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DATETIME_INPUT)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.1, max_value=100, decimal_places=1)


class PartnerForm(forms.Form):
    partner: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Practise with"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
    )

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = people  # type: ignore[attr-defined]
        self.fields["partner"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]


def _competency_fields(form: forms.Form, competencies: list[Any], choices: list[Any], prefix: str) -> None:
    for competency in competencies:
        form.fields[f"{prefix}{competency.code}"] = forms.TypedChoiceField(
            label=competency.label, choices=[("", "—"), *choices], coerce=int, required=False, empty_value=None
        )


class ObservationForm(forms.Form):
    session: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Session observed"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
    )
    observer_role = forms.ChoiceField(label=_("Observed as"), choices=ObserverRole.choices)
    observed_on = forms.DateField(label=_("Observed on"), widget=DATE_INPUT)
    feedback = forms.CharField(label=_("Feedback"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, competencies: list[Any], sessions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]
        self.fields["session"].label_from_instance = (  # type: ignore[attr-defined]
            lambda s: f"{s.starts_at:%Y-%m-%d %H:%M} · {s.process.case.reference}"
        )
        _competency_fields(self, competencies, Rating.choices, "rating_")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("observer_role") == ObserverRole.CO_FACILITATOR and not cleaned.get("session"):
            self.add_error("session", _("Choose the session you facilitated together."))
        return cleaned

    def ratings(self) -> dict[str, Any]:
        return {c.code: self.cleaned_data.get(f"rating_{c.code}") for c in self.competencies}


class SupervisionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DATE_INPUT)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    actions = forms.CharField(label=_("Agreed actions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CertificationForm(forms.Form):
    program: forms.ModelChoiceField[Any] = BoundedModelChoiceField(label=_("Program"), queryset=None)  # type: ignore[arg-type]

    def __init__(self, *args: Any, programs: Any, competencies: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.competencies = competencies
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        _competency_fields(self, competencies, Level.choices, "level_")

    def levels(self) -> dict[str, Any]:
        return {c.code: self.cleaned_data.get(f"level_{c.code}") for c in self.competencies}


class SuspendForm(forms.Form):
    reason = forms.CharField(label=_("Why"), widget=forms.Textarea(attrs={"rows": 2}))


class RequirementForm(forms.Form):
    process_type = forms.ChoiceField(label=_("Type of process"), choices=ProcessType.choices)
    competency = forms.CharField(label=_("Competency"))
    level = forms.TypedChoiceField(label=_("Level"), choices=[(0, _("Not needed")), *Level.choices], coerce=int)


class CompetencyForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name (English)"), max_length=120)
    name_es = forms.CharField(label=_("Name (Spanish)"), max_length=120, required=False)
    description = forms.CharField(label=_("Description"), required=False)


class ProgramSettingsForm(forms.Form):
    # Bounds as the columns hold them (numeric(5,1), smallint), and caps no program would need to exceed.
    cpd_hours_per_year = forms.DecimalField(
        label=_("Development hours a year"), min_value=0, max_digits=5, decimal_places=1
    )
    certification_course_hours = forms.DecimalField(
        label=_("Course hours needed for certification"), min_value=0, max_digits=5, decimal_places=1
    )
    certification_scenarios = forms.IntegerField(
        label=_("Practice scenarios to pass"), min_value=0, max_value=MAX_REQUIREMENT_COUNT
    )
    certification_observations = forms.IntegerField(
        label=_("Satisfactory observed sessions"), min_value=0, max_value=MAX_REQUIREMENT_COUNT
    )
    open_process_cap = forms.IntegerField(
        label=_("Most open processes per facilitator"), min_value=1, max_value=OPEN_PROCESS_CAP_MAX
    )
    cosa_volunteer_hours = forms.DecimalField(
        label=_("Training hours for CoSA volunteers"), min_value=0, max_digits=5, decimal_places=1
    )


class PreferenceForm(forms.Form):
    facilitator_gender = forms.ChoiceField(
        label=_("The survivor prefers a facilitator who is"),
        required=False,
        choices=[("", _("No preference")), *Gender.choices],
    )


class ColleagueObservationForm(ObservationForm):
    """A co-facilitator observing a colleague chooses whom (and a session they ran together)."""

    facilitator: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Colleague observed"),
        queryset=None,  # type: ignore[arg-type]
    )

    def __init__(self, *args: Any, colleagues: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["facilitator"].queryset = colleagues  # type: ignore[attr-defined]
        self.fields["facilitator"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        self.order_fields(["facilitator"])


class ManagerProfileForm(ProfileForm):
    open_process_cap = forms.IntegerField(
        label=_("Most open processes (leave empty for the program's)"),
        required=False,
        min_value=0,
        max_value=OPEN_PROCESS_CAP_MAX,
    )


class OpenToPartnersForm(forms.Form):
    organisations: forms.ModelMultipleChoiceField[Any] = BoundedModelMultipleChoiceField(
        label=_("Partner organisations whose staff may join"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = partners  # type: ignore[attr-defined]
