"""The default competency framework, created for an organisation the first time it is used. Afterwards it is
the organisation's own data: its admins rename competencies and change the levels each process type needs."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from reparo.processes.models import ProcessType
from reparo.training.models import Competency, ProcessRequirement

# code, English name, Spanish name
DEFAULT_COMPETENCIES: list[tuple[str, str, str]] = [
    ("trauma_informed", "Trauma-informed practice", "Práctica informada sobre el trauma"),
    ("cultural", "Cultural competency", "Competencia cultural"),
    ("trafficking_law", "Trafficking law and legal frameworks", "Legislación sobre trata y marcos jurídicos"),
    ("mediation", "Mediation and dialogue technique", "Técnica de mediación y diálogo"),
    ("safeguarding", "Safeguarding and risk", "Protección y gestión del riesgo"),
    ("interpreters", "Working with interpreters", "Trabajo con intérpretes"),
    ("cosa", "CoSA volunteering", "Voluntariado en CoSA"),
    ("survivor_support", "Supporting survivors in the community", "Acompañamiento comunitario a sobrevivientes"),
]
# The competency a survivor-support course covers: a volunteer of a support circle has completed such a course.
SURVIVOR_SUPPORT = "survivor_support"
COMPETENCY_CODES = frozenset(code for code, _en, _es in DEFAULT_COMPETENCIES)

DEFAULT_REQUIREMENTS: dict[str, dict[str, int]] = {
    ProcessType.DIRECT_MEDIATION: {
        "trauma_informed": 2,
        "cultural": 2,
        "trafficking_law": 2,
        "mediation": 2,
        "safeguarding": 2,
        "interpreters": 1,
    },
    ProcessType.INDIRECT_DIALOGUE: {
        "trauma_informed": 2,
        "cultural": 1,
        "trafficking_law": 2,
        "mediation": 2,
        "safeguarding": 2,
    },
    ProcessType.CONFERENCE: {
        "trauma_informed": 2,
        "cultural": 2,
        "trafficking_law": 1,
        "mediation": 2,
        "safeguarding": 2,
    },
    ProcessType.CIRCLE: {"trauma_informed": 2, "cultural": 2, "mediation": 1, "safeguarding": 2},
    ProcessType.COSA: {"trauma_informed": 1, "trafficking_law": 1, "safeguarding": 2, "cosa": 2},
    ProcessType.SUPPORT_CIRCLE: {"trauma_informed": 2, "cultural": 1, "safeguarding": 2, "survivor_support": 2},
}


@transaction.atomic
def framework_ensure(organisation: Any) -> None:
    """Create the default framework for ``organisation`` if it has none yet (idempotent)."""
    if Competency.objects.filter(organisation=organisation).exists():
        return
    by_code = {}
    for position, (code, name, name_es) in enumerate(DEFAULT_COMPETENCIES):
        by_code[code] = Competency.objects.create(
            organisation=organisation, code=code, name=name, name_es=name_es, position=position
        )
    ProcessRequirement.objects.bulk_create(
        ProcessRequirement(organisation=organisation, process_type=ptype, competency=by_code[code], level=level)
        for ptype, levels in DEFAULT_REQUIREMENTS.items()
        for code, level in levels.items()
    )


def requirements_for(organisation: Any, process_type: str) -> dict[str, int]:
    """Competency code -> level needed for ``process_type`` in ``organisation``."""
    framework_ensure(organisation)
    rows = ProcessRequirement.objects.filter(organisation=organisation, process_type=process_type).select_related(
        "competency"
    )
    return {r.competency.code: r.level for r in rows}


def competencies_of(organisation: Any) -> list[Competency]:
    framework_ensure(organisation)
    return list(Competency.objects.filter(organisation=organisation))
