"""HTCDS records and how Reparo's cases and people map onto them, both ways.

A :class:`CaseRecord` holds a case's own fields (``cas_*``, Case and Referral Details), its persons (one
:class:`PersonRecord` each: Person, Victim or Perpetrator Context, Consent), its historic trafficking events
(``hte_*``), support plans (``spl_*``) and comments (``cco_*``). Every value is canonical text
(:mod:`reparo.interop.values`).

Where each field lives in Reparo:

- held natively: names, date of birth, gender, citizenship, e-mail, mobile phone, languages and address of the
  person; the case's status, referral date and closure reason; the types of exploitation, methods of control and
  recruitment (the case's harms, given to each survivor of the case); comments (the case's notes that the whole team
  may read);
- everything else is kept as imported, encrypted, in ``Person.htcds_extra`` and ``Case.htcds_extra`` (with the
  events and support plans), and given back as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from reparo.cases.models import CaseStatus
from reparo.interop import standard

VICTIM = "victim"
PERPETRATOR = "perpetrator"
ROLES = (VICTIM, PERPETRATOR)
CASE_REF, PERSON_REF, ROLE = "reparo_case_ref", "reparo_person_ref", "reparo_role"
REPARO_COLUMNS = (CASE_REF, PERSON_REF, ROLE)

# Which person fields say who someone is, and which how to reach them (consent categories "identity", "contact").
IDENTITY = frozenset(
    {"prs_Salutation", "prs_FirstName", "prs_MiddleName", "prs_SecondName", "prs_Birthdate", "prs_IdentityNumber",
     "prs_Title"}
)  # fmt: skip
MAILING = ("prs_MailingStreet", "prs_MailingCity", "prs_MailingState", "prs_MailingPostalCode", "prs_MailingCountry")
CONTACT = frozenset(
    {"prs_Email", "prs_HomePhone", "prs_MobilePhone", *MAILING, "prs_MailingLongitude", "prs_MailingLatitude"}
)
HARM_FIELDS = {
    "vic_TypeOfExploitation": "exploitation_types",
    "vic_MethodsOfControl": "methods_of_control",
    "vic_MethodOfRecruitment": "recruitment_methods",
}

TO_HTCDS_STATUS: dict[str, str] = {
    CaseStatus.REFERRED: "Active",
    CaseStatus.INTAKE: "Active",
    CaseStatus.ASSESSMENT: "Active",
    CaseStatus.PREPARATION: "Active",
    CaseStatus.IN_PROCESS: "Active",
    CaseStatus.FOLLOW_UP: "FollowUp",
    CaseStatus.CLOSED: "Closed",
    CaseStatus.WITHDRAWN: "Closed",
}
FROM_HTCDS_STATUS: dict[str, str] = {
    "Active": CaseStatus.REFERRED,
    "FollowUp": CaseStatus.FOLLOW_UP,
    "Closed": CaseStatus.CLOSED,
    "ClosedReferred": CaseStatus.CLOSED,
}


def person_fields() -> list[str]:
    return [f.name for f in standard.in_section(standard.PERSON, standard.VICTIM, standard.PERPETRATOR,
                                                standard.CONSENT)]  # fmt: skip


def case_fields() -> list[str]:
    return [f.name for f in standard.in_section(standard.CASE, standard.REFERRAL)]


def section_fields(section: str) -> list[str]:
    return [f.name for f in standard.in_section(section)]


@dataclass
class PersonRecord:
    ref: str
    role: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass
class CaseRecord:
    ref: str
    values: dict[str, str] = field(default_factory=dict)
    persons: list[PersonRecord] = field(default_factory=list)
    events: list[dict[str, str]] = field(default_factory=list)
    plans: list[dict[str, str]] = field(default_factory=list)
    comments: list[dict[str, str]] = field(default_factory=list)


def ordered(values: dict[str, str], names: list[str]) -> dict[str, str]:
    """``values`` with every one of ``names``, in that order (missing ones empty)."""
    return {name: values.get(name, "") for name in names}


def htcds_status(status: str, kept: str) -> str:
    """A case's cas_Status: from its Reparo status, or the value it was imported with when that still fits it
    (``ClosedReferred`` for a case that is still closed)."""
    derived = TO_HTCDS_STATUS[status]
    if kept in FROM_HTCDS_STATUS and TO_HTCDS_STATUS[FROM_HTCDS_STATUS[kept]] == derived:
        return kept
    return derived


def join_address(values: dict[str, Any]) -> str:
    """The one-line address Reparo keeps, from the standard's mailing parts."""
    return ", ".join(str(values[k]) for k in MAILING if values.get(k))
