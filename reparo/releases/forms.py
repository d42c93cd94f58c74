from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import BoundedModelChoiceField
from reparo.releases.tables import TABLES


class ReleaseForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("For example: Figures for our funders, 2026. Readers see it; it says nothing about anyone."),
    )
    program = BoundedModelChoiceField(  # type: ignore[var-annotated]
        label=_("Program"),
        queryset=None,
        required=False,
        empty_label=_("The whole organisation"),  # type: ignore[arg-type]
    )
    tables = forms.MultipleChoiceField(
        label=_("Tables"),
        widget=forms.CheckboxSelectMultiple,
        choices=[(key, spec.title) for key, spec in TABLES.items()],
        help_text=_("The privacy spent is shared equally between the tables: fewer tables, more accurate numbers."),
    )
    epsilon = forms.DecimalField(
        label=_("Privacy to spend (ε)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("10"),
        decimal_places=3,
        max_digits=6,
        help_text=_("Smaller is more private and less accurate. This comes out of this year's budget."),
    )

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


class BudgetForm(forms.Form):
    limit = forms.DecimalField(
        label=_("Yearly privacy budget (ε)"),
        min_value=Decimal("0"),
        max_value=Decimal("20"),
        decimal_places=3,
        max_digits=6,
        help_text=_("The most privacy all of this year's releases may spend together. 4 is a common choice."),
    )
