"""What the API reads and answers, field by field (the OpenAPI schema is made from these).

Answers are built from what the selectors return; nothing here reads the database on its own beyond the related
rows those selectors already fetched."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from reparo.access.capabilities import TokenScope
from reparo.access.lookup import MAX_INT_PK
from reparo.core.languages import language_choices
from reparo.interop import formats
from reparo.organisations.models import OrganisationKind
from reparo.referrals.models import (
    DeclineReason,
    EventKind,
    IncomingDecline,
    IncomingStatus,
    PartnerService,
    ReferralStatus,
    Side,
    Urgency,
)

MAX_NOTE = 2000
LANGUAGES = [code for code, _label in language_choices()]
MAX_PAGE = 100_000


def _key(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_INT_PK, **kwargs)


# --- common --------------------------------------------------------------------------------------------------------


class Problem(serializers.Serializer):
    """An error (RFC 9457 problem details)."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    instance = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class PageQuery(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=1, help_text=_("Page number, from 1."))


class PageFields(serializers.Serializer):
    count = serializers.IntegerField(help_text=_("How many in all."))
    page = serializers.IntegerField()
    pages = serializers.IntegerField()


class Organisation(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)


class TokenInfo(serializers.Serializer):
    key = serializers.CharField(source="label", help_text=_("The token's public part (never its secret)."))
    organisation = Organisation()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=[(s.value, s.value) for s in TokenScope]))
    expires_at = serializers.DateTimeField()


# --- the partner's inbox -------------------------------------------------------------------------------------------


class ReferralQuery(PageQuery):
    finished = serializers.BooleanField(
        default=False,
        help_text=_("False (the default): referrals waiting or in service. True: the others (answered, over)."),
    )


class Referral(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField(help_text=_("A short code to speak of the referral by."))
    status = serializers.ChoiceField(choices=ReferralStatus.choices)
    service = serializers.ChoiceField(choices=PartnerService.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    from_organisation = serializers.CharField(source="program.organisation.name")
    from_program = serializers.CharField(source="program.name")
    sent_at = serializers.DateTimeField(allow_null=True)
    answer_by = serializers.DateField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    access_open = serializers.BooleanField(
        help_text=_("False once the person's consent or the data-sharing agreement ended: nothing more to see.")
    )


class ReferralPage(PageFields):
    results = Referral(many=True)


class ReferralEvent(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    side = serializers.ChoiceField(choices=Side.choices)
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(allow_blank=True)
    reason_code = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_null=True, help_text=_("Only the partner's own notes."))


class ReferralDetail(Referral):
    events = ReferralEvent(many=True)
    next_moves = serializers.ListField(
        child=serializers.ChoiceField(choices=ReferralStatus.choices),
        help_text=_("What the partner may record next."),
    )
    packet_available = serializers.BooleanField()


class Packet(serializers.Serializer):
    referral = serializers.UUIDField()
    categories = serializers.ListField(child=serializers.CharField())
    made_at = serializers.DateTimeField()
    retention_days = serializers.IntegerField(allow_null=True)
    content = serializers.DictField(
        help_text=_("What the person agreed to share, by category, frozen when the referral was sent.")
    )


class MoveBody(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=MAX_NOTE, default="")


class DeclineBody(MoveBody):
    reason_code = serializers.ChoiceField(choices=DeclineReason.choices)


# --- referrals in --------------------------------------------------------------------------------------------------


class Program(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = serializers.CharField(source="organisation.name")


class IncomingReferral(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    program = Program()
    status = serializers.ChoiceField(choices=IncomingStatus.choices)
    decline_reason = serializers.ChoiceField(choices=[("", ""), *IncomingDecline.choices])
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    received_on = serializers.DateField()


class IncomingPage(PageFields):
    results = IncomingReferral(many=True)


class IncomingBody(serializers.Serializer):
    program = _key(help_text=_("A program that takes your referrals (see /api/v1/programs/)."))
    person_agreed = serializers.BooleanField(
        help_text=_("True only when the person agreed to be referred and to share what is written here.")
    )
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    given_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    family_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGES), required=False, default=list, max_length=20
    )
    about = serializers.CharField(max_length=MAX_NOTE, help_text=_("Why you refer them, in a few lines."))


# --- HTCDS export --------------------------------------------------------------------------------------------------


class ExportQuery(serializers.Serializer):
    format = serializers.ChoiceField(choices=[(f, f) for f in formats.FORMATS], default=formats.CSV)
    deidentified = serializers.BooleanField(
        default=False, help_text=_("A de-identified file (CTDC style), for anyone. Otherwise name the recipient.")
    )
    recipient = _key(required=False, help_text=_("The partner organisation an identified file is for."))
    program = _key(required=False, help_text=_("Only this program's cases."))
    since = serializers.DateField(required=False, help_text=_("Only cases changed on or after this day."))


# --- releases ------------------------------------------------------------------------------------------------------


class ReleaseSummary(serializers.Serializer):
    id = serializers.UUIDField()
    title = serializers.CharField()
    year = serializers.IntegerField()
    program = serializers.CharField(source="program.name", allow_null=True, default=None)
    epsilon = serializers.CharField(help_text=_("The privacy spent (ε), as a decimal."))
    published_at = serializers.DateTimeField()


class ReleasePage(PageFields):
    results = ReleaseSummary(many=True)


class ReleaseTable(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    epsilon = serializers.CharField()
    accuracy = serializers.CharField(help_text=_("What the noise means, in plain words."))


class ReleaseValue(serializers.Serializer):
    table = serializers.CharField()
    cell = serializers.CharField()
    epsilon = serializers.CharField()
    margin_95 = serializers.FloatField(help_text=_("Half-width of the 95 percent interval of the noise."))
    noisy_value = serializers.IntegerField(help_text=_("The released number, unbiased (it can be below zero)."))
    shown_value = serializers.IntegerField(help_text=_("The number as shown on the page (counts never below zero)."))


class Release(ReleaseSummary):
    tables = ReleaseTable(many=True)
    values = ReleaseValue(many=True)
