from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.agreements.models import AcceptanceHow, ItemKind
from reparo.core.forms import BoundedModelChoiceField

DATE_INPUT = forms.DateInput(attrs={"type": "date"})
MAX_INSTALMENTS = 120  # ten years of monthly payments


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices)
    description = forms.CharField(label=_("What was agreed"), widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=DATE_INPUT,
        help_text=_("When it is to be done by. For money: when the whole amount is to be paid; leave empty to end with "
                    "the last instalment."),
    )  # fmt: skip
    amount = forms.DecimalField(label=_("Amount"), required=False, max_digits=12, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), required=False, max_length=3, help_text=_("For example EUR."))
    instalment_count = forms.IntegerField(
        label=_("Monthly instalments"), required=False, min_value=1, max_value=MAX_INSTALMENTS, initial=1
    )
    first_instalment_on = forms.DateField(
        label=_("First instalment due"), required=False, widget=DATE_INPUT, help_text=_("For money only.")
    )
    hours = forms.DecimalField(label=_("Hours"), required=False, max_digits=7, decimal_places=2, min_value=0)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["instalment_count"] = data.get("instalment_count") or 1
        data["currency"] = data.get("currency") or ""
        return data


class AcceptanceForm(forms.Form):
    participant = BoundedModelChoiceField(label=_("Who accepted"), queryset=None)  # type: ignore[arg-type,var-annotated]
    how = forms.ChoiceField(label=_("How"), choices=AcceptanceHow.choices, widget=forms.RadioSelect)
    accepted_at = forms.DateTimeField(
        label=_("When"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )  # fmt: skip

    def __init__(self, *args: Any, participants: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["participant"]
        field.queryset = participants  # type: ignore[attr-defined]
        field.label_from_instance = lambda p: f"{p.person.display_code} · {p.get_role_display()}"  # type: ignore[attr-defined]


class ObligationMarkForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Record that it was"),
        choices=[("met", _("Met")), ("varied", _("Changed")), ("waived", _("Let go by the survivor"))],
    )
    evidence = forms.CharField(label=_("Evidence"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    survivor_chose = forms.BooleanField(
        label=_("The survivor chose this themselves"), required=False,
        help_text=_("Only the survivor can let an obligation go. There is no pressure to do so."),
    )  # fmt: skip


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount paid"), max_digits=12, decimal_places=2, min_value=0)
    paid_at = forms.DateField(label=_("Paid on"), required=False, widget=DATE_INPUT)
