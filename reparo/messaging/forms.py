from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from reparo.core.forms import BoundedModelChoiceField
from reparo.core.once import OnceForm
from reparo.messaging.files import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS
from reparo.messaging.models import MAX_BODY_CHARS, MAX_NOTE_CHARS, MAX_RETENTION_DAYS, Channel, RelayKind


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (each checked again by its contents in the service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".png,.jpg,.jpeg,.pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, (list, tuple)):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(_("Attach at most %(count)s files.") % {"count": MAX_ATTACHMENTS})
        for upload in files:
            if upload.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(
                    _("“%(name)s” is larger than %(limit)s MB. Send a smaller file.")
                    % {"name": upload.name, "limit": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
                )
        return files


class MessageForm(OnceForm):
    body = forms.CharField(
        label=_("Message"), max_length=MAX_BODY_CHARS, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(
        label=_("Attach files"),
        required=False,
        help_text=_("Up to three PNG or JPEG pictures or PDF documents, 5 MB each. They are only ever downloaded."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments") and not self.errors:
            raise forms.ValidationError(_("Write something first."))
        return cleaned

    def uploads(self) -> list[tuple[str, bytes]]:
        return [(upload.name or "", upload.read()) for upload in self.cleaned_data.get("attachments") or []]


class RelayForm(OnceForm):
    """Written down by staff for a participant: something they want passed on to the other side."""

    process = BoundedModelChoiceField(label=_("Process"), queryset=None, empty_label=None)  # type: ignore[arg-type,var-annotated]
    kind = forms.ChoiceField(label=_("What it is"), choices=RelayKind.choices)
    body = forms.CharField(
        label=_("In the person's own words"), max_length=MAX_BODY_CHARS, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, processes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["process"].queryset = processes  # type: ignore[attr-defined]
        self.fields["process"].label_from_instance = lambda p: p.get_type_display()  # type: ignore[attr-defined]


class EditForm(forms.Form):
    text = forms.CharField(
        label=_("Your edit"), max_length=MAX_BODY_CHARS, widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("The author sees your edit and decides whether it goes. Nothing is passed on until they agree."),
    )  # fmt: skip
    note = forms.CharField(
        label=_("A note to the author (optional)"), max_length=MAX_NOTE_CHARS, required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("A note to the author: why it is not passed on"), max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


class ContactPointForm(forms.Form):
    channel = forms.ChoiceField(label=_("How"), choices=Channel.choices)
    address = forms.CharField(label=_("E-mail address or mobile number"), max_length=254)

    def __init__(self, *args: Any, sms_available: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not sms_available:
            self.fields["channel"].choices = [(Channel.EMAIL.value, Channel.EMAIL.label)]  # type: ignore[attr-defined]


class RetentionForm(forms.Form):
    days = forms.IntegerField(
        label=_("Keep message texts and files for (days)"), min_value=1, max_value=MAX_RETENTION_DAYS
    )
