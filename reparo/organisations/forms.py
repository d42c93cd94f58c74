from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.access.capabilities import roles_to_give


class MembershipAddForm(forms.Form):
    """An admin gives someone a role in their organisation (``reparo.access.services.membership_add``)."""

    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    # No default: adding someone as an organisation admin by not looking would give them everything. The roles are
    # the access module's: no app lists roles itself.
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("Choose a role")), *roles_to_give()])
