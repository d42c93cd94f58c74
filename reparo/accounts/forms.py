from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from reparo.accounts.models import AccountType, User


class SignInForm(AuthenticationForm):
    """E-mail and password. The error never says whether the account exists."""

    error_messages = {
        "invalid_login": _("That e-mail address and password did not work. Check them and try again."),
        "inactive": _("That e-mail address and password did not work. Check them and try again."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["username"].label = _("E-mail address")
        # No autofocus: the first Tab must reach the skip link and the quick-exit control.
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean_username(self) -> str:
        return str(self.cleaned_data.get("username", "")).strip().lower()

    def confirm_login_allowed(self, user: Any) -> None:
        """A participant's account signs in to the portal only: here it is answered as a wrong password is."""
        super().confirm_login_allowed(user)
        if getattr(user, "is_participant", False):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text"}),
    )


class ReauthForm(TokenForm):
    """The password and a current code, asked again before a change to how the account signs in."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["password", "token"]


class EnrolForm(forms.Form):
    token = forms.CharField(
        label=_("Six-digit code"),
        max_length=8,
        help_text=_("Enter the code your authenticator app shows now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class InvitationAwarePasswordResetForm(PasswordResetForm):
    """Also sends a link to an invited person who has not chosen a password yet (Django skips them)."""

    def get_users(self, email: str) -> Any:
        # Participants' sign-in names are not addresses; their access is re-issued by their facilitator.
        return User.objects.filter(email__iexact=email.strip(), is_active=True, account_type=AccountType.STAFF)
