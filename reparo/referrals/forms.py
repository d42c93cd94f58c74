from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reparo.cases.models import ReferralSource
from reparo.consent.models import DataCategory
from reparo.core.forms import BoundedModelChoiceField
from reparo.core.languages import language_choices
from reparo.organisations.models import HTCDSOrganisationType, Organisation
from reparo.people.models import Person
from reparo.referrals.models import (
    AgreementStatus,
    DeclineReason,
    IncomingDecline,
    IncomingStatus,
    PartnerService,
    ReceivedVia,
    ReferralStatus,
    Urgency,
)
from reparo.referrals.services import MAX_DOCUMENT_BYTES, MAX_NOTE

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ANY = [("", _("Any"))]


def _choose(choices: Any) -> list[Any]:
    return [("", _("Choose one")), *choices]


class DirectorySearchForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=[*ANY, *PartnerService.choices], required=False)
    language = forms.ChoiceField(label=_("Language"), choices=(), required=False)
    area = forms.CharField(label=_("Area served"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [*ANY, *language_choices()]  # type: ignore[attr-defined]


class PartnerProfileForm(forms.Form):
    services = forms.MultipleChoiceField(
        label=_("Services they offer"),
        choices=PartnerService.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages they work in"),
        choices=(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    area_served = forms.CharField(label=_("Area served"), max_length=200, required=False)
    eligibility = forms.CharField(
        label=_("Who they can help"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Eligibility in a few lines: age, gender, status, anything they ask for."),
    )
    contact_name = forms.CharField(label=_("Contact for referrals"), max_length=150, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=32, required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    uses_reparo = forms.BooleanField(
        label=_("They use Reparo"),
        required=False,
        help_text=_("Their staff sign in to receive referrals. If not, you print or download each packet."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = language_choices()  # type: ignore[attr-defined]


class PartnerAddForm(PartnerProfileForm):
    name = forms.CharField(label=_("Name of the organisation"), max_length=200)
    htcds_type = forms.ChoiceField(label=_("Kind of organisation"), choices=_choose(HTCDSOrganisationType.choices))
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two-letter code, such as GB or ES.")
    )

    field_order = ["name", "htcds_type", "country"]


class SharingAgreementForm(forms.Form):
    operator = BoundedModelChoiceField(label=_("Our organisation"), queryset=Organisation.objects.none())
    partner = BoundedModelChoiceField(label=_("Partner"), queryset=Organisation.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("As it reads on the signed copy."))
    purposes = forms.MultipleChoiceField(
        label=_("Services it covers"),
        choices=PartnerService.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Referrals can be made for these services only."),
    )
    data_categories = forms.MultipleChoiceField(
        label=_("What the partner may receive"),
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A referral sends only what the person agreed to, and never more than this."),
    )
    retention_days = forms.IntegerField(
        label=_("Days the partner may keep what is sent"),
        min_value=1,
        max_value=3650,
        initial=180,
        help_text=_("Counted from the end of each referral. After that, the packet is erased."),
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE_INPUT, initial=timezone.localdate)
    valid_to = forms.DateField(label=_("Valid until"), widget=DATE_INPUT, required=False)

    def __init__(
        self, *args: Any, operators: QuerySet[Organisation], partners: QuerySet[Organisation], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = operators  # type: ignore[attr-defined]
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]

    def agreement_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        names = ("title", "purposes", "data_categories", "retention_days", "valid_from", "valid_to")
        return {name: data[name] for name in names}


class AgreementDocumentForm(forms.Form):
    document = forms.FileField(label=_("Signed copy (PDF, up to 10 MB)"))

    def clean_document(self) -> Any:
        upload = self.cleaned_data["document"]
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload


class AgreementMoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=AgreementStatus.choices)


class ReferralSettingsForm(forms.Form):
    answer_days = forms.IntegerField(label=_("Days a partner has to answer"), min_value=1, max_value=90)


class PersonChoiceField(BoundedModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.display_code} · {obj.get_kind_display()}"


class ReferralForm(forms.Form):
    """Who, to whom, for what. What goes is not typed here: it is computed from consent and the agreement."""

    person = PersonChoiceField(label=_("Who is referred"), queryset=Person.objects.none(), empty_label=None)
    partner = BoundedModelChoiceField(
        label=_("Partner"), queryset=Organisation.objects.none(), empty_label=_("Choose one")
    )
    service = forms.ChoiceField(label=_("Service"), choices=_choose(PartnerService.choices))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE)
    categories = forms.MultipleChoiceField(
        label=_("What the partner needs to know"),
        choices=DataCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what the person agreed to share with this partner will go. The preview shows what."),
    )
    reason = forms.CharField(
        label=_("Why we refer (for our team)"),
        max_length=MAX_NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your team sees this. The partner sees the service, the urgency and the packet."),
    )

    def __init__(self, *args: Any, people: QuerySet[Person], partners: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    to_status = forms.ChoiceField(choices=ReferralStatus.choices)
    reason_code = forms.ChoiceField(label=_("Why"), choices=[("", "—"), *DeclineReason.choices], required=False)
    note = forms.CharField(
        label=_("A few words (optional)"), max_length=MAX_NOTE, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    on_behalf = forms.BooleanField(required=False)


class UpdateForm(forms.Form):
    note = forms.CharField(
        label=_("Update for the referring team"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How the service is going: appointments, next steps. Only what the team needs to know."),
    )
    on_behalf = forms.BooleanField(required=False)


class _PersonFields(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail address"), required=False)
    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=(), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    about = forms.CharField(
        label=_("Why you refer them"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What they need and anything that matters for their safety. Only what they agreed to share."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["languages"].choices = language_choices()  # type: ignore[attr-defined]

    def person(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("given_name", "family_name", "phone", "email", "languages", "about")}


class ReferInForm(_PersonFields):
    """A partner user refers someone into a program."""

    program = BoundedModelChoiceField(label=_("Program"), queryset=None, empty_label=_("Choose one"))  # type: ignore[arg-type]
    person_agreed = forms.BooleanField(
        label=_("The person agreed to be referred and to share what is written here"), required=True
    )

    field_order = ["program"]

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["program"].label_from_instance = lambda p: f"{p.name} ({p.organisation.name})"  # type: ignore[attr-defined]


class IncomingRecordForm(_PersonFields):
    """Staff record a referral received by phone, letter, e-mail or in person."""

    program = BoundedModelChoiceField(label=_("Program"), queryset=None, empty_label=None)  # type: ignore[arg-type]
    received_via = forms.ChoiceField(
        label=_("How it came in"),
        choices=[(v, label) for v, label in ReceivedVia.choices if v != ReceivedVia.REPARO],
    )
    received_on = forms.DateField(label=_("Received on"), widget=DATE_INPUT, initial=timezone.localdate)
    referral_source = forms.ChoiceField(label=_("Referred by"), choices=ReferralSource.choices)
    from_partner = BoundedModelChoiceField(
        label=_("Partner organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("Not a partner in the directory"),
    )
    referrer = forms.CharField(
        label=_("Who referred"), max_length=200, required=False, help_text=_("A name or a role, and how to reach them.")
    )

    field_order = ["program", "received_via", "received_on", "referral_source", "from_partner", "referrer"]

    def __init__(self, *args: Any, programs: Any, partners: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["from_partner"].queryset = partners  # type: ignore[attr-defined]


class IncomingDeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=_choose(IncomingDecline.choices))


class IncomingFilterForm(forms.Form):
    program = forms.TypedChoiceField(label=_("Program"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args: Any, programs: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [*ANY, *((p.pk, p.name) for p in programs)]  # type: ignore[attr-defined]
        self.fields["status"].choices = [*ANY, *IncomingStatus.choices]  # type: ignore[attr-defined]
