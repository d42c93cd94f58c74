from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import BoundedModelChoiceField
from reparo.interop.formats import CSV, JSON, XLSX

NAMED, DEIDENTIFIED = "named", "deidentified"
FORMAT_CHOICES = [
    (CSV, _("CSV (one row per person per case)")),
    (XLSX, _("Excel (XLSX)")),
    (JSON, _("JSON (one object per case)")),
]


class ExportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind of file"),
        choices=[
            (NAMED, _("For one partner organisation, as their consent allows")),
            (DEIDENTIFIED, _("De-identified, for statistics (no names, no free text)")),
        ],
        initial=NAMED,
        widget=forms.RadioSelect,
    )
    recipient = BoundedModelChoiceField(  # type: ignore[var-annotated]
        label=_("Partner organisation"),
        queryset=None,
        required=False,
        help_text=_("Only people who agreed to share their information with this organisation are in the file."),
    )
    program = BoundedModelChoiceField(  # type: ignore[var-annotated]
        label=_("Program"),
        queryset=None,
        required=False,
        empty_label=_("Every program"),  # type: ignore[arg-type]
    )
    since = forms.DateField(
        label=_("Cases changed since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    file_format = forms.ChoiceField(label=_("File format"), choices=FORMAT_CHOICES, initial=CSV)

    def __init__(self, *args: Any, recipients: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].queryset = recipients  # type: ignore[attr-defined]
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


class ImportForm(forms.Form):
    program = BoundedModelChoiceField(label=_("Program"), queryset=None)  # type: ignore[var-annotated]
    upload = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV, Excel (XLSX) or JSON in the layout Reparo exports, or the CSV that ODK Central or "
            "KoboToolbox export for the HTCDS form. At most 20 MB."
        ),
    )
    valid_only = forms.BooleanField(
        label=_("If some cases have problems, import the others anyway"),
        required=False,
        help_text=_("Otherwise nothing is imported until every row is right."),
    )

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
