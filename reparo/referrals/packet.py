"""What each kind of information holds in a referral's packet: the fields, read from the case when the packet is
made (then frozen, as plain JSON, encrypted), and shown from that frozen copy in the reader's language.

The categories are the consent ledger's (:class:`reparo.consent.models.DataCategory`). A category about the
survivor's harm, needs or safety is only ever sent with a referral of the survivor: never with one of the
responsible person or a supporter.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf.locale import LANG_INFO
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from reparo.agreements.models import Agreement, AgreementStatus
from reparo.cases.models import Case, CaseParticipant, NeedCategory, NeedPriority, ParticipantRole
from reparo.consent.models import DataCategory
from reparo.core.htcds import ExploitationType, Gender
from reparo.evaluation.models import InstrumentCode, SurveyResponse, Timepoint
from reparo.people.models import Person
from reparo.processes.models import Process, ProcessStage, ProcessType
from reparo.safety.models import ContactRestriction, Outcome, RestrictionKind, RiskLevel, SafetyPlan, Screening
from reparo.safety.models import ScreeningKind as SK

C = DataCategory

# The fields of each category, as the send page lists them ("what goes, what is held back").
FIELDS: dict[str, tuple[Any, ...]] = {
    C.IDENTITY: (_("Given name"), _("Family name"), _("Other names"), _("Date of birth"), _("Gender"),
                 _("Citizenship")),
    C.CONTACT: (_("Phone"), _("E-mail"), _("Address"), _("Languages")),
    C.CASE_FACTS: (_("Summary of the case"), _("Types of exploitation")),
    C.NEEDS: (_("Each open need: what, how pressing, in the person's words"),),
    C.SAFETY: (_("Warning signs and coping steps from the safety plan"),
               _("Contact restrictions in force: kind and end date (never who they are with)")),
    C.SCREENING: (_("Each signed-off screening of the person: kind, outcome, risk level, date"),),
    C.PROCESS_STATUS: (_("Each restorative process the person takes part in: kind, stage, agreement status"),),
    C.OUTCOMES: (_("Each questionnaire the person answered: name, when, date, score"),),
}  # fmt: skip

# About the survivor's harm, needs and safety: sent only with a referral of the survivor.
SURVIVOR_ONLY = frozenset({C.CASE_FACTS, C.NEEDS, C.SAFETY})


def is_survivor(case: Case, person: Person) -> bool:
    return CaseParticipant.objects.filter(case=case, person=person, role=ParticipantRole.SURVIVOR).exists()


# --- made once, when the referral is sent -----------------------------------------------------------------------


def _day(value: datetime.date | datetime.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return value.isoformat()


def _identity(case: Case, person: Person) -> dict[str, Any]:
    return {
        "given_name": person.given_name or "",
        "family_name": person.family_name or "",
        "aliases": [a for a in (person.aliases or []) if a],
        "date_of_birth": _day(person.date_of_birth),
        "gender": person.gender or "",
        "citizenship": [str(c) for c in (person.citizenship or [])],
    }


def _contact(case: Case, person: Person) -> dict[str, Any]:
    return {
        "phone": person.phone or "",
        "email": person.email or "",
        "address": person.address or "",
        "languages": list(person.languages or []),
    }


def _case_facts(case: Case, person: Person) -> dict[str, Any]:
    types: list[str] = []
    for harm in case.harms.order_by("created_at"):
        types.extend(t for t in harm.exploitation_types or [] if t not in types)
    return {"summary": case.summary or "", "exploitation_types": types}


def _needs(case: Case, person: Person) -> list[dict[str, Any]]:
    return [
        {"category": n.category, "priority": n.priority, "statement": n.statement or ""}
        for n in case.needs.filter(met_at__isnull=True).order_by("priority", "created_at")
    ]


def _safety(case: Case, person: Person) -> dict[str, Any]:
    plan = SafetyPlan.objects.filter(case=case, person=person).first()
    today = timezone.localdate()
    restrictions = ContactRestriction.objects.filter(
        Q(person_a=person) | Q(person_b=person), case=case, lifted_at__isnull=True, valid_from__lte=today
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
    return {
        "warning_signs": (plan.warning_signs or "") if plan else "",
        "coping_steps": (plan.coping_steps or "") if plan else "",
        "restrictions": [{"kind": r.kind, "valid_to": _day(r.valid_to)} for r in restrictions],
    }


def _screening(case: Case, person: Person) -> list[dict[str, Any]]:
    latest: dict[str, Screening] = {}
    for screening in Screening.objects.filter(case=case, person=person, signed_off_at__isnull=False).order_by(
        "-completed_at"
    ):
        latest.setdefault(screening.kind, screening)
    return [
        {
            "kind": s.kind,
            "outcome": s.outcome,
            "risk_level": s.risk_level,
            "completed_on": _day(s.completed_at),
            "valid_until": _day(s.valid_until),
        }
        for s in latest.values()
    ]


def _process_status(case: Case, person: Person) -> list[dict[str, Any]]:
    rows = []
    for process in Process.objects.filter(case=case, participants__person=person).distinct().order_by("created_at"):
        agreement = Agreement.objects.filter(process=process).order_by("-version").first()
        rows.append(
            {
                "type": process.type,
                "stage": process.stage,
                "paused": process.paused,
                "agreement": agreement.status if agreement else "",
            }
        )
    return rows


def _outcomes(case: Case, person: Person) -> list[dict[str, Any]]:
    responses = SurveyResponse.objects.filter(person=person, assignment__case=case).order_by("collected_on")
    return [
        {
            "instrument": r.instrument,
            "timepoint": r.timepoint,
            "collected_on": _day(r.collected_on),
            "total": r.total,
            "band": r.band,
        }
        for r in responses
    ]


BUILDERS: dict[str, Callable[[Case, Person], Any]] = {
    C.IDENTITY: _identity,
    C.CONTACT: _contact,
    C.CASE_FACTS: _case_facts,
    C.NEEDS: _needs,
    C.SAFETY: _safety,
    C.SCREENING: _screening,
    C.PROCESS_STATUS: _process_status,
    C.OUTCOMES: _outcomes,
}


def build(case: Case, person: Person, categories: list[str]) -> dict[str, Any]:
    """The packet's content: exactly ``categories``, read from the case now. Nothing else is ever in it."""
    return {category: BUILDERS[category](case, person) for category in categories}


# --- shown from the frozen copy ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    category: str
    label: str
    rows: list[tuple[str, str]]


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _date(value: str | None) -> str:
    return value or "—"


def _languages(codes: list[str]) -> str:
    return ", ".join(gettext(LANG_INFO[c]["name"]) if c in LANG_INFO else c for c in codes)


def _rows_identity(v: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (gettext("Given name"), v.get("given_name") or "—"),
        (gettext("Family name"), v.get("family_name") or "—"),
        (gettext("Other names"), ", ".join(v.get("aliases") or []) or "—"),
        (gettext("Date of birth"), _date(v.get("date_of_birth"))),
        (gettext("Gender"), _label(Gender, v.get("gender")) or "—"),
        (gettext("Citizenship"), ", ".join(str(countries.name(c)) for c in v.get("citizenship") or []) or "—"),
    ]


def _rows_contact(v: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (gettext("Phone"), v.get("phone") or "—"),
        (gettext("E-mail"), v.get("email") or "—"),
        (gettext("Address"), v.get("address") or "—"),
        (gettext("Languages"), _languages(v.get("languages") or []) or "—"),
    ]


def _rows_case_facts(v: dict[str, Any]) -> list[tuple[str, str]]:
    types = [_label(ExploitationType, t) for t in v.get("exploitation_types") or []]
    return [
        (gettext("Summary of the case"), v.get("summary") or "—"),
        (gettext("Types of exploitation"), ", ".join(types) or "—"),
    ]


def _rows_needs(v: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [
        (
            _label(NeedCategory, n.get("category")),
            " · ".join(p for p in (_label(NeedPriority, n.get("priority")), n.get("statement") or "") if p),
        )
        for n in v
    ]


def _rows_safety(v: dict[str, Any]) -> list[tuple[str, str]]:
    rows = [
        (gettext("Warning signs"), v.get("warning_signs") or "—"),
        (gettext("Coping steps"), v.get("coping_steps") or "—"),
    ]
    for r in v.get("restrictions") or []:
        until = r.get("valid_to")
        rows.append(
            (
                _label(RestrictionKind, r.get("kind")),
                gettext("in force until %(date)s") % {"date": until} if until else gettext("in force, no end date"),
            )
        )
    return rows


def _rows_screening(v: list[dict[str, Any]]) -> list[tuple[str, str]]:
    rows = []
    for s in v:
        parts = [_label(Outcome, s.get("outcome")) if s.get("outcome") else ""]
        if s.get("risk_level"):
            parts.append(gettext("risk: %(level)s") % {"level": _label(RiskLevel, s.get("risk_level"))})
        parts.append(_date(s.get("completed_on")))
        rows.append((_label(SK, s.get("kind")), " · ".join(p for p in parts if p)))
    return rows


def _rows_process(v: list[dict[str, Any]]) -> list[tuple[str, str]]:
    rows = []
    for p in v:
        parts = [_label(ProcessStage, p.get("stage"))]
        if p.get("paused"):
            parts.append(gettext("paused"))
        if p.get("agreement"):
            parts.append(gettext("agreement: %(status)s") % {"status": _label(AgreementStatus, p.get("agreement"))})
        rows.append((_label(ProcessType, p.get("type")), " · ".join(parts)))
    return rows


def _rows_outcomes(v: list[dict[str, Any]]) -> list[tuple[str, str]]:
    rows = []
    for r in v:
        score = "—" if r.get("total") is None else f"{r['total']:g}"
        parts = [
            _label(Timepoint, r.get("timepoint")),
            _date(r.get("collected_on")),
            gettext("score %(score)s") % {"score": score},
        ]
        if r.get("band"):
            parts.append(str(r["band"]))
        rows.append((_label(InstrumentCode, r.get("instrument")), " · ".join(parts)))
    return rows


RENDERERS: dict[str, Callable[[Any], list[tuple[str, str]]]] = {
    C.IDENTITY: _rows_identity,
    C.CONTACT: _rows_contact,
    C.CASE_FACTS: _rows_case_facts,
    C.NEEDS: _rows_needs,
    C.SAFETY: _rows_safety,
    C.SCREENING: _rows_screening,
    C.PROCESS_STATUS: _rows_process,
    C.OUTCOMES: _rows_outcomes,
}


def sections(content: dict[str, Any] | None) -> list[Section]:
    """The packet, section by section, in the ledger's order, in the active language."""
    if not content:
        return []
    return [Section(category=c, label=str(C(c).label), rows=RENDERERS[c](content[c])) for c in C.values if c in content]


def field_labels(category: str) -> list[str]:
    return [str(label) for label in FIELDS.get(category, ())]
