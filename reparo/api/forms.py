from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reparo.access.capabilities import TokenScope
from reparo.api.services import LIFETIMES_DAYS, MAX_NAME

SCOPE_LABELS = {
    TokenScope.REFERRALS_READ: _("Read the referrals sent to us, their packets, and what we referred in"),
    TokenScope.REFERRALS_WRITE: _("Answer referrals (accept, decline, in service, completed) and refer people in"),
    TokenScope.HTCDS_EXPORT: _("Make HTCDS files of our cases"),
    TokenScope.STATISTICS_READ: _("Read our published releases (public figures)"),
}


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME,
        help_text=_("Which system will use it, so you know which token to revoke. No case details."),
    )
    scopes = forms.MultipleChoiceField(label=_("What it may do"), widget=forms.CheckboxSelectMultiple, choices=())
    lifetime_days = forms.TypedChoiceField(label=_("Works for"), coerce=int, choices=(), initial=90)

    def __init__(self, *args: Any, scopes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lifetime_days"].choices = [  # type: ignore[attr-defined]
            (days, gettext("%(days)s days") % {"days": days}) for days in LIFETIMES_DAYS
        ]
        self.fields["scopes"].choices = [(str(s), SCOPE_LABELS[s]) for s in scopes]  # type: ignore[attr-defined]
