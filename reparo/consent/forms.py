from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reparo.cases.models import Case
from reparo.consent.extensions import ProcessChoice
from reparo.consent.models import ConsentMethod, ConsentPurpose, ContactChannel, DataCategory
from reparo.core.forms import BoundedModelChoiceField
from reparo.organisations.models import Organisation

# Which of the form's optional parts belong to which purpose; the others are ignored for that purpose.
PURPOSE_FIELDS: dict[str, tuple[str, ...]] = {
    ConsentPurpose.PROCESS: ("process_ref", "process_label"),
    ConsentPurpose.SUPPORT_CIRCLE: ("process_ref", "process_label"),
    ConsentPurpose.CONTACT: ("channel",),
    ConsentPurpose.SHARE: ("recipient", "data_categories"),
}
EMPTY: dict[str, Any] = {
    "process_ref": "",
    "process_label": "",
    "channel": "",
    "recipient": None,
    "data_categories": [],
}


def _now_to_the_minute() -> datetime.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


class ConsentRecordForm(forms.Form):
    """Record an agreement the person has given. Only the part for the chosen purpose is used."""

    purpose = forms.ChoiceField(
        label=_("What the person agrees to"),
        choices=[("", _("Choose one")), *ConsentPurpose.choices],
    )
    case = BoundedModelChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        required=False,
        empty_label=_("No particular case"),
    )
    process_ref = forms.CharField(
        label=_("Which process"),
        required=False,
        widget=forms.Select,
        help_text=_("Only for taking part in a process or a support circle: the ones this person takes part in."),
    )
    process_label = forms.CharField(
        label=_("Name of the process as the person knows it"),
        max_length=200,
        required=False,
        help_text=_("For example “Dialogue with the responsible person”. Leave empty to use the process's own name."),
    )
    channel = forms.ChoiceField(
        label=_("How they may be contacted"),
        choices=[("", _("Choose one")), *ContactChannel.choices],
        required=False,
        help_text=_("Only for being contacted. Record one agreement for each way they are happy with."),
    )
    recipient = BoundedModelChoiceField(
        label=_("Partner organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Choose one"),
        help_text=_("Only for sharing: the organisation that may receive the information."),
    )
    data_categories = forms.MultipleChoiceField(
        label=_("What may be shared"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for sharing: tick only what the person agreed to."),
    )
    method = forms.ChoiceField(
        label=_("How the person agreed"),
        # Self-service agreements are given by the person themself, online, never recorded for them by staff.
        choices=[
            ("", _("Choose one")),
            *[(v, label) for v, label in ConsentMethod.choices if v != ConsentMethod.SELF_SERVICE],
        ],
    )
    witness_name = forms.CharField(
        label=_("Name of the witness"),
        max_length=150,
        required=False,
        help_text=_("Needed when the person agreed out loud."),
    )
    given_at = forms.DateTimeField(
        label=_("When the person agreed"),
        initial=_now_to_the_minute,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    expires_at = forms.DateField(
        label=_("Ends on"),
        required=False,
        help_text=_("Leave empty if it has no end date. The agreement stops at the end of this day."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self,
        *args: Any,
        recipients: QuerySet[Organisation],
        cases: QuerySet[Case],
        processes: list[ProcessChoice] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients  # type: ignore[attr-defined]
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.processes = {choice.ref: choice for choice in processes or []}
        offered = [(choice.ref, choice.label) for choice in self.processes.values()]
        empty = _("Choose one") if offered else _("This person takes part in no process yet")
        self.fields["process_ref"].widget.choices = [("", empty), *offered]  # type: ignore[attr-defined]

    def clean_expires_at(self) -> datetime.datetime | None:
        day: datetime.date | None = self.cleaned_data.get("expires_at")
        if day is None:
            return None
        # The end of that day where the program works: the start of the next day, local time.
        return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        purpose = cleaned.get("purpose", "")
        keep = PURPOSE_FIELDS.get(purpose, ())
        for name, empty in EMPTY.items():
            if name not in keep:
                cleaned[name] = empty
        ref = cleaned.get("process_ref") or ""
        chosen = self.processes.get(ref)
        if ref and chosen is None:
            self.add_error("process_ref", _("Choose one of the processes this person takes part in."))
        elif chosen is not None:
            if chosen.purpose != purpose:
                self.add_error(
                    "process_ref",
                    _("That is a support circle: choose “Have a circle of community volunteers” above.")
                    if chosen.purpose == ConsentPurpose.SUPPORT_CIRCLE
                    else _("That is a restorative process: choose “Take part in a restorative process” above."),
                )
            elif not (cleaned.get("process_label") or "").strip():
                cleaned["process_label"] = chosen.label
        return cleaned
