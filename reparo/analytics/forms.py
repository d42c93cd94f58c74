from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.analytics.models import ActionStatus, FindingSource
from reparo.core.forms import BoundedModelChoiceField
from reparo.core.widgets import LeanSelect, shared_choices


class ImprovementForm(forms.Form):
    finding = forms.CharField(
        label=_("Finding"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the dashboard or the feedback showed. About the program, never about a person."),
    )
    source = forms.ChoiceField(label=_("Where it came from"), choices=FindingSource.choices)
    action = forms.CharField(label=_("Action"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = BoundedModelChoiceField(label=_("Owner"), queryset=None, widget=LeanSelect)  # type: ignore[arg-type,var-annotated]
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    program = BoundedModelChoiceField(  # type: ignore[var-annotated]
        label=_("Program"),
        queryset=None,
        required=False,
        empty_label=_("The whole organisation"),  # type: ignore[arg-type]
    )

    def __init__(self, *args: Any, programs: Any, owners: Any = None, owner_names: Any = None, **kwargs: Any) -> None:
        """``owners``: whom an action may be given to (what a chosen owner is checked against: needed to validate, not
        to show the form); ``owner_names``: the same people as (id, name) pairs, kept between views, to list them
        without reading them again."""
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["owner"].label_from_instance = lambda u: u.display_name  # type: ignore[attr-defined]
        if owner_names is not None:
            self.fields["owner"].widget.choices = shared_choices(owner_names)  # type: ignore[attr-defined]
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
