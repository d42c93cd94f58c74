from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reparo.evaluation.catalogue import Instrument
from reparo.evaluation.models import (
    SCHEDULED_TIMEPOINTS,
    Audience,
    CancelReason,
    InstrumentCode,
    ReoffendingSource,
    ReoffendingType,
    StakeholderKind,
    Timepoint,
)

DATE = forms.DateInput(attrs={"type": "date"})
NOT_ANSWERED = ""


class ScheduleLineForm(forms.Form):
    instrument = forms.ChoiceField(label=_("Questionnaire"), choices=InstrumentCode.choices)
    timepoint = forms.ChoiceField(
        label=_("When"), choices=[(v, label) for v, label in Timepoint.choices if v in SCHEDULED_TIMEPOINTS]
    )
    audience = forms.ChoiceField(label=_("Who"), choices=Audience.choices, initial=Audience.BOTH)
    due_within_days = forms.IntegerField(
        label=_("Days to complete"), min_value=1, max_value=365, initial=14,
        help_text=_("After this many days an open survey is listed as overdue."),
    )  # fmt: skip


class InterviewForm(forms.Form):
    """One radio group per item, in the chosen language; an item may be left unanswered (the instrument's
    missing-answer rule then decides whether it can be scored)."""

    collected_on = forms.DateField(label=_("Date of the interview"), widget=DATE)

    def __init__(self, *args: Any, instrument: Instrument, language: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"collected_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        options = [(str(value), label) for value, label in instrument.options(language)]
        for n, item in enumerate(instrument.items, start=1):
            self.fields[item.id] = forms.ChoiceField(
                label=f"{n}. {item.label(language)}",
                choices=[*options, (NOT_ANSWERED, _("No answer"))],
                widget=forms.RadioSelect,
                required=False,
            )
        if not instrument.scored:
            self.fields["comment"] = forms.CharField(
                label=instrument.comment_prompt(language), widget=forms.Textarea(attrs={"rows": 3}), required=False
            )

    def item_fields(self) -> list[Any]:
        return [self[item_id] for item_id in self.instrument.item_ids]

    def answers(self) -> dict[str, int | None]:
        data = self.cleaned_data
        return {
            i: (int(data[i]) if data.get(i) not in (None, NOT_ANSWERED) else None) for i in self.instrument.item_ids
        }


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why it will not be done"),
        choices=[(c.value, c.label) for c in (CancelReason.DECLINED, CancelReason.UNREACHABLE)],
    )


class StakeholderFeedbackForm(forms.Form):
    stakeholder_kind = forms.ChoiceField(label=_("From"), choices=StakeholderKind.choices)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)

    def __init__(self, *args: Any, instrument: Instrument, language: str, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        options = [(str(value), label) for value, label in instrument.options(language)]
        for n, item in enumerate(instrument.items, start=1):
            self.fields[item.id] = forms.ChoiceField(
                label=f"{n}. {item.label(language)}", choices=[*options, (NOT_ANSWERED, _("No answer"))],
                widget=forms.RadioSelect, required=False,
            )  # fmt: skip
        self.fields["comment"] = forms.CharField(
            label=instrument.comment_prompt(language), widget=forms.Textarea(attrs={"rows": 3}), required=False
        )

    def item_fields(self) -> list[Any]:
        return [self[item_id] for item_id in self.instrument.item_ids]

    def answers(self) -> dict[str, int | None]:
        data = self.cleaned_data
        return {
            i: (int(data[i]) if data.get(i) not in (None, NOT_ANSWERED) else None) for i in self.instrument.item_ids
        }


class ReoffendingForm(forms.Form):
    person = forms.ChoiceField(label=_("Responsible person"))
    occurred_on = forms.DateField(label=_("Date"), widget=DATE)
    type = forms.ChoiceField(label=_("Type"), choices=ReoffendingType.choices)
    source = forms.ChoiceField(label=_("Source"), choices=ReoffendingSource.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(p.pk): p for p in people}
        field = self.fields["person"]
        assert isinstance(field, forms.ChoiceField)  # noqa: S101 - declared above
        field.choices = [(str(p.pk), p.display_code) for p in people]

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "person": self.people[data["person"]],
            "occurred_on": data["occurred_on"],
            "type": data["type"],
            "source": data["source"],
            "note": data["note"],
        }


class CohortImportForm(forms.Form):
    name = forms.CharField(label=_("Name of the comparison group"), max_length=200)
    description = forms.CharField(
        label=_("Where the data comes from"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: reference, followup_start, followup_end, reoffended_on, event_type. Dates as YYYY-MM-DD. "
            "Use references that do not identify anyone: no names."
        ),
    )
    valid_rows_only = forms.BooleanField(
        label=_("If some rows are wrong, import the correct rows and leave the wrong ones out"), required=False
    )

    MAX_BYTES = 5 * 1024 * 1024

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
