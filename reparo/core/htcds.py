"""HTCDS 2.0 code lists used by Reparo (values exactly as in the standard; labels translatable).

The values are checked against reparo/core/data/htcds_codes.json, extracted from the HTCDS 2.0 field
standards, by tests/core/test_htcds.py.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    """HTCDS ``prs_Gender``."""

    FEMININE = "Feminine", _("Feminine")
    MASCULINE = "Masculine", _("Masculine")
    TRANSGENDER_FEMININE = "TransgenderFeminine", _("Transgender Feminine")
    TRANSGENDER_MASCULINE = "TransgenderMasculine", _("Transgender Masculine")
    NON_CONFORMING = "NonConforming", _("Non-Conforming")
    NON_SPECIFIED_UNKNOWN = "NonSpecifiedUnknown", _("Not Specified/Unknown")


class ExploitationType(models.TextChoices):
    """HTCDS ``vic_TypeOfExploitation``."""

    FORCED_LABOUR = "ForcedLabour", _("Forced labour")
    SEXUAL_EXPLOITATION = "SexualExploitation", _("Sexual exploitation")
    CHILD_LABOUR = "ChildLabour", _("Child labour")
    FORCED_MARRIAGE = "ForcedMarriage", _("Forced marriage")
    SERVITUDE = "Servitude", _("Servitude")
    FORCED_MILITARY_BY_NON_STATE_ACTORS = "ForcedMilitaryByNonStateActors", _("Forced military (by non-state actors)")
    ORGAN_REMOVAL = "OrganRemoval", _("Organ removal")
    FORCED_BEGGING = "ForcedBegging", _("Forced begging")
    FORCED_ADOPTION = "ForcedAdoption", _("Forced adoption")
    SURROGACY = "Surrogacy", _("Surrogacy")
    OTHER = "Other", _("Other")


class MethodOfControl(models.TextChoices):
    """HTCDS ``vic_MethodsOfControl``."""

    PHYSICAL_THREATS = "PhysicalThreats", _("Physical threats")
    THREATS_LAW_ENFORCEMENT = "ThreatsLawEnforcement", _("Threats of law enforcement")
    THREATENS_CHILDREN_FAMILY = "ThreatensChildrenFamily", _("Threatens children/family")
    DEBT_BONDAGE = "DebtBondage", _("Debt bondage")
    FALSE_PROMISES = "FalsePromises", _("False promises")
    PHYSICAL_ABUSE = "PhysicalAbuse", _("Physical abuse")
    SEXUAL_ABUSE = "SexualAbuse", _("Sexual abuse")
    TAKES_EARNINGS = "TakesEarnings", _("Takes earnings")
    RESTRICTS_FINANCIAL_ACCESS = "RestrictsFinancialAccess", _("Restricts financial access")
    RESTRICTS_MEDICAL_CARE = "RestrictsMedicalCare", _("Restricts medical care")
    WITHHOLDS_NECESSITIES = "WithholdsNecessities", _("Withholds necessities")
    PSYCHOLOGICAL_ABUSE = "PsychologicalAbuse", _("Psychological abuse")
    PSYCHOACTIVE_SUBSTANCE = "PsychoactiveSubstance", _("Psychoactive substance")
    EXCESSIVE_WORKING_HOURS = "ExcessiveWorkingHours", _("Excessive working hours")
    WITHHOLDS_DOCUMENTS = "WithholdsDocuments", _("Withholds documents")
    OTHER = "Other", _("Other")


class RecruitmentMethod(models.TextChoices):
    """HTCDS ``vic_MethodOfRecruitment``."""

    AT_A_PLACE_OF_BUSINESS = "AtAPlaceOfBusiness", _("At a place of business")
    AT_AN_EDUCATIONAL_INSTITUTION = "AtAnEducationalInstitution", _("At an educational institution")
    AT_WORK = "AtWork", _("At work")
    THROUGH_ONLINE_SOCIAL_NETWORKS = "ThroughOnlineSocialNetworks", _("Through online social networks")
    THROUGH_AN_ONLINE_ADVERTISEMENT = "ThroughAnOnlineAdvertisement", _("Through an online advertisement")
    THROUGH_A_TELEVISION_ADVERT = "ThroughATelevisionAdvert", _("Through a television advert")
    THROUGH_A_NEWSPAPER_ADVERT = "ThroughANewspaperAdvert", _("Through a newspaper advert")
    THROUGH_FAMILY_OR_FAMILY_EVENTS = "ThroughFamilyOrFamilyEvents", _("Through family or family events")
    THROUGH_FRIENDS_OR_SOCIAL_EVENTS = "ThroughFriendsOrSocialEvents", _("Through friends or social events")
    OTHER = "Other", _("Other")


class Vulnerability(models.TextChoices):
    """HTCDS ``vic_Vulnerabilities``."""

    ADDICTION = "Addiction", _("Addiction")
    SOCIAL_GROUP = "SocialGroup", _("Social Group")
    DISCRIMINATION = "Discrimination", _("Discrimination")
    POVERTY = "Poverty", _("Poverty")
    DISABILITY_AND_PHYSICAL_HEALTH = "DisabilityAndPhysicalHealth", _("Disability and physical health")
    MENTAL_HEALTH = "MentalHealth", _("Mental health")
    MIGRATION = "Migration", _("Migration")
    HOMELESSNESS = "Homelessness", _("Homelessness")
    ABUSE_SOCIAL_MEDIA = "AbuseSocialMedia", _("Abuse - social media")
    ABUSE_PHYSICAL = "AbusePhysical", _("Abuse - physical")
    EDUCATION = "Education", _("Education")
    WORK_ENVIRONMENT = "WorkEnvironment", _("Work environment")


class RelationshipToTrafficker(models.TextChoices):
    """HTCDS ``vic_RelationshipToTrafficker``."""

    FAMILIAL = "Familial", _("Familial")
    ACQUAINTED = "Acquainted", _("Acquainted")
    UNAQUAINTED = "Unaquainted", _("Unaquainted")


HTCDS_FIELDS = {
    "prs_Gender": Gender,
    "vic_TypeOfExploitation": ExploitationType,
    "vic_MethodsOfControl": MethodOfControl,
    "vic_MethodOfRecruitment": RecruitmentMethod,
    "vic_Vulnerabilities": Vulnerability,
    "vic_RelationshipToTrafficker": RelationshipToTrafficker,
}
