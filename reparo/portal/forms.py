"""Forms for the portal: plain words, large targets, nothing typed that a choice can say."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from reparo.core.once import OnceForm
from reparo.evaluation.catalogue import Instrument
from reparo.messaging.models import MAX_BODY_CHARS, RelayKind
from reparo.portal.models import InvitationChannel
from reparo.portal.services import sign_in_email
from reparo.safety.models import CheckInMoment

# "I prefer not to answer" has a value of its own, so that no answer is chosen for the person before they choose.
NOT_ANSWERED = "skip"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=32,
        help_text=_("The code you were given, for example ABCD-EFGH-JKMN. Capital letters or not, dashes or not."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class PassphraseForm(forms.Form):
    passphrase = forms.CharField(
        label=_("Choose a passphrase"),
        strip=False,
        help_text=_("At least 12 characters. A few words you can remember, that others would not guess."),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    again = forms.CharField(
        label=_("Type it again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("passphrase") and cleaned.get("again") != cleaned.get("passphrase"):
            self.add_error("again", _("The two passphrases are not the same."))
        return cleaned


class FactorForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )


class SignInForm(AuthenticationForm):
    """Sign-in name and passphrase. The error never says whether the name exists."""

    error_messages = {
        "invalid_login": _("That sign-in name and passphrase did not work. Check them and try again."),
        "inactive": _("That sign-in name and passphrase did not work. Check them and try again."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Sign-in name")
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autocapitalize": "characters", "spellcheck": "false"}
        )
        self.fields["password"].label = _("Passphrase")
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def clean_username(self) -> str:
        return sign_in_email(self.cleaned_data.get("username", ""))

    def confirm_login_allowed(self, user: Any) -> None:
        """Only participants' accounts sign in here; a staff account is answered as a wrong passphrase is."""
        super().confirm_login_allowed(user)
        if not getattr(user, "is_participant", False):
            raise forms.ValidationError(self.error_messages["invalid_login"], code="invalid_login")


class GiveForm(forms.Form):
    offer = forms.CharField(max_length=80, widget=forms.HiddenInput)


class QuestionnaireForm(forms.Form):
    """One group of choices per question, in the reader's language; any question may be left unanswered."""

    def __init__(self, *args: Any, instrument: Instrument, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        options = [(str(value), label) for value, label in instrument.options(language)]
        for n, item in enumerate(instrument.items, start=1):
            self.fields[item.id] = forms.ChoiceField(
                label=f"{n}. {item.label(language)}",
                choices=[*options, (NOT_ANSWERED, _("I prefer not to answer"))],
                widget=forms.RadioSelect,
                required=False,
            )
        if not instrument.scored:
            self.fields["comment"] = forms.CharField(
                label=instrument.comment_prompt(language), widget=forms.Textarea(attrs={"rows": 3}), required=False,
                max_length=4000,
            )  # fmt: skip

    def item_fields(self) -> list[Any]:
        return [self[item_id] for item_id in self.instrument.item_ids]

    def answers(self) -> dict[str, int | None]:
        data = self.cleaned_data
        return {
            i: (int(data[i]) if data.get(i) not in (None, "", NOT_ANSWERED) else None) for i in self.instrument.item_ids
        }


RATINGS = [(str(n), str(n)) for n in range(11)]


class CheckInForm(OnceForm):
    """How the participant feels, 0 to 10, before or after a meeting (the meeting chosen from their own)."""

    meeting = forms.ChoiceField(label=_("Which meeting"))
    moment = forms.ChoiceField(
        label=_("Before or after it"),
        choices=[(CheckInMoment.BEFORE, _("Before")), (CheckInMoment.AFTER, _("After"))],
        widget=forms.RadioSelect,
    )
    rating = forms.TypedChoiceField(
        label=_("How upset or worried do you feel, from 0 (not at all) to 10 (the most)?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
    )

    def __init__(self, *args: Any, appointments: list[Any], processes: list[Any], **kwargs: Any) -> None:
        """``appointments``: the participant's recent meetings as they may see them (their own times, or the day only:
        :func:`reparo.portal.selectors.appointment_for`)."""
        super().__init__(*args, **kwargs)
        self.sessions = {f"s:{a.session.pk}": a.session for a in appointments}
        self.processes = {f"p:{p.pk}": p for p in processes}
        choices = [
            (
                f"s:{a.session.pk}",
                formats.date_format(timezone.localtime(a.starts_at), "DATETIME_FORMAT")
                if a.starts_at
                else formats.date_format(a.day, "DATE_FORMAT"),
            )
            for a in appointments
        ]
        choices += [
            (key, _("Not about one meeting: %(process)s") % {"process": p.get_type_display()})
            for key, p in self.processes.items()
        ]
        self.fields["meeting"].choices = choices  # type: ignore[attr-defined]

    def chosen(self) -> tuple[Any, Any]:
        """(process, session or None) of the chosen meeting."""
        key = self.cleaned_data["meeting"]
        if key in self.sessions:
            session = self.sessions[key]
            return session.process, session
        return self.processes[key], None


class InviteForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("How the code will reach the person"),
        choices=InvitationChannel.choices,
        initial=InvitationChannel.IN_PERSON,
        help_text=_("Other than in person, only a way of contact the person agreed to."),
    )
    printed_codes = forms.BooleanField(
        label=_("Also print a list of one-time codes to hand over (for someone without an authenticator app)"),
        required=False,
    )


class PortalSettingsForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the portal"),
        max_length=40,
        required=False,
        help_text=_(
            "Shown in page titles, as the name of the app on a phone and as the sender of its e-mails. Choose a "
            "neutral name that says nothing about the program, for example “Appointments”. Leave empty for "
            "“Appointments” in each reader's language."
        ),
    )


class PassOnForm(OnceForm):
    """Something the participant wants passed on to the other side of one of their processes (the facilitators
    read it first)."""

    process = forms.ChoiceField(label=_("Which of your processes it is about"))
    kind = forms.ChoiceField(label=_("What it is"), choices=RelayKind.choices, initial=RelayKind.MESSAGE)
    body = forms.CharField(
        label=_("In your own words"), max_length=MAX_BODY_CHARS, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args: Any, processes: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.processes = {str(p.pk): p for p in processes}
        field = self.fields["process"]
        field.choices = [(pk, p.get_type_display()) for pk, p in self.processes.items()]  # type: ignore[attr-defined]
        if len(self.processes) == 1:  # nothing to choose: not asked
            field.initial = next(iter(self.processes))
            field.required = False
            field.widget = forms.HiddenInput()

    def clean_process(self) -> str:
        chosen = self.cleaned_data.get("process") or ""
        if not chosen and len(self.processes) == 1:
            return next(iter(self.processes))
        return str(chosen)

    def chosen_process(self) -> Any:
        return self.processes[self.cleaned_data["process"]]
