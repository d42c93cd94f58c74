"""A little data exchange for the demo (development only, through the services): two records brought in as ODK
Central would export them from the standard's HTCDS form, and the survivors' consents to share with a partner and to
be counted. Runs once: nothing is added when the operator already has imported records."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from reparo.consent.models import ConsentMethod, ConsentPurpose, DataCategory
from reparo.consent.services import consent_record
from reparo.interop import services
from reparo.interop.models import HtcdsLink
from reparo.organisations.models import Organisation, Program

DEMO_ODK_CSV = """\
SubmissionDate,con_Consent,prs_First_Name,prs_Second_Name,prs_Birthdate,prs_Gender,prs_Citizenship,prs_MobilePhone,\
vic_MethodOfRecruitment,vic_TraffickingStatus,vic_Methods_of_Control,vic_TypeOfExploitation,cas_Status,\
cas_ReferringOrganisation,cas_IncomingReferralDate,meta-instanceID,KEY
2026-01-10T10:00:00.000Z,TRUE,Amara,Demo,1996-04-02,Feminine,NG,+447700900501,ThroughFriendsOrSocialEvents,\
ActualVictimOfTrafficking,DebtBondage WithholdsDocuments,ForcedLabour,Active,Harbour Outreach,2026-01-08,\
uuid:demo-0001,uuid:demo-0001
2026-01-12T15:30:00.000Z,TRUE,Lena,Demo,2001-09-14,Feminine,RO,,ThroughOnlineSocialNetworks,\
PossibleVictimOfTrafficking,PsychologicalAbuse,SexualExploitation,FollowUp,City Police Unit,2026-01-11,\
uuid:demo-0002,uuid:demo-0002
"""


def seed_interop_demo(*, operator: Organisation, admin: Any, partner: Organisation) -> None:
    if HtcdsLink.objects.filter(organisation=operator).exists():
        return
    program = Program.objects.filter(organisation=operator).order_by("pk").first()
    if program is None:
        return
    services.htcds_import(
        actor=admin, organisation=operator, program=program, file_name="odk-demo.csv",
        data=DEMO_ODK_CSV.encode("utf-8"),
    )  # fmt: skip
    for link in HtcdsLink.objects.filter(organisation=operator, person__isnull=False).select_related("person"):
        if link.person is None:  # pragma: no cover - filtered above
            continue
        consent_record(
            actor=admin, person=link.person, purpose=ConsentPurpose.SHARE, method=ConsentMethod.WRITTEN,
            given_at=timezone.now(), recipient=partner,
            data_categories=[DataCategory.CASE_FACTS, DataCategory.IDENTITY],
        )  # fmt: skip
        consent_record(
            actor=admin, person=link.person, purpose=ConsentPurpose.REPORTING, method=ConsentMethod.WRITTEN,
            given_at=timezone.now(),
        )  # fmt: skip
