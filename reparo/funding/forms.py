from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import BoundedModelChoiceField
from reparo.funding.models import Category
from reparo.funding.money import CURRENCY_CHOICES, MAX_AMOUNT

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CATEGORY_CHOICES = [("", "—"), *Category.choices]


def _amount(label: Any, *, zero: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0") if zero else Decimal("0.001"),
        max_value=MAX_AMOUNT,
        max_digits=14,
        decimal_places=3,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class FunderForm(forms.Form):
    organisation: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Organisation"),
        queryset=None,  # type: ignore[arg-type]
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    website = forms.URLField(label=_("Website"), required=False, max_length=200, assume_scheme="https")

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = organisations  # type: ignore[attr-defined]
        only = list(organisations[:2])
        if len(only) == 1:
            field.initial = only[0].pk
            field.widget = forms.HiddenInput()


class GrantForm(forms.Form):
    funder: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Funder"),
        queryset=None,  # type: ignore[arg-type]
    )
    reference = forms.CharField(label=_("The funder's reference"), max_length=80)
    restricted = forms.TypedChoiceField(
        label=_("Kind of grant"),
        choices=[
            ("1", _("Restricted: spent only as allocated")),
            ("0", _("Unrestricted: the allocations are a plan")),
        ],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    amount = _amount(_("Amount"))
    currency = forms.ChoiceField(label=_("Currency"), choices=CURRENCY_CHOICES, initial="EUR")
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_INPUT)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE_INPUT)
    purpose = forms.CharField(
        label=_("Purpose"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    conditions = forms.CharField(
        label=_("Conditions"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept encrypted. Not part of the funder report."),
    )

    def __init__(self, *args: Any, funders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if funders is None:
            del self.fields["funder"]
        else:
            self.fields["funder"].queryset = funders  # type: ignore[attr-defined]


class GrantEditForm(GrantForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)


class AllocationForm(forms.Form):
    program: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Program"),
        queryset=None,  # type: ignore[arg-type]
    )
    category = forms.ChoiceField(label=_("Category"), choices=CATEGORY_CHOICES)
    amount = _amount(_("Amount (0 removes it)"), zero=True)

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


class DeadlineForm(forms.Form):
    due_on = forms.DateField(label=_("Due on"), widget=DATE_INPUT)
    what = forms.CharField(label=_("What is due"), max_length=200)


class DeadlineSentForm(forms.Form):
    sent_on = forms.DateField(label=_("Sent on"), widget=DATE_INPUT)


class SpendForm(forms.Form):
    spent_on = forms.DateField(label=_("Date"), widget=DATE_INPUT)
    program: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Program"),
        queryset=None,  # type: ignore[arg-type]
    )
    category = forms.ChoiceField(label=_("Category"), choices=CATEGORY_CHOICES)
    amount = _amount(_("Amount"))
    reference = forms.CharField(label=_("Reference (invoice or receipt)"), max_length=80, required=False)
    process_session: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Session it paid for"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
    )
    course_session: forms.ModelChoiceField[Any] = BoundedModelChoiceField(
        label=_("Training session it paid for"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
    )
    override_reason = forms.CharField(
        label=_("Why this goes beyond the allocation (organisation admins)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Only needed when the grant is restricted and this spending is more than is left of the allocation."
        ),
    )

    def __init__(
        self, *args: Any, programs: Any, process_sessions: Any, course_sessions: Any, may_override: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        process_field = self.fields["process_session"]
        process_field.queryset = process_sessions  # type: ignore[attr-defined]
        process_field.label_from_instance = lambda s: (  # type: ignore[attr-defined]
            f"{s.starts_at:%Y-%m-%d} · {s.process.case.reference} · {s.process.get_type_display()}"
        )
        course_field = self.fields["course_session"]
        course_field.queryset = course_sessions  # type: ignore[attr-defined]
        course_field.label_from_instance = lambda s: f"{s.starts_at:%Y-%m-%d} · {s.course.title}"  # type: ignore[attr-defined]
        if not may_override:
            del self.fields["override_reason"]


class PeriodForm(forms.Form):
    """A report's period: within the grant's."""

    start = forms.DateField(label=_("From"), widget=DATE_INPUT)
    end = forms.DateField(label=_("To"), widget=DATE_INPUT)

    def __init__(self, *args: Any, grant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grant = grant

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The period cannot end before it starts."))
            if start < self.grant.starts_on or end > self.grant.ends_on:
                raise forms.ValidationError(_("Choose a period within the grant's."))
        return data
