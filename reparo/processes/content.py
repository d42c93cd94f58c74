"""What practitioners cover, by process type: preparation checklists and session agendas."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reparo.processes.models import ProcessType

_COMMON_PREPARATION: list[tuple[str, object]] = [
    ("purpose", _("What the process is for, and what it is not (no pressure to forgive or to meet)")),
    ("voluntary", _("Taking part is voluntary and can stop at any time, without a reason")),
    ("confidentiality", _("Who will know what, and the limits of confidentiality")),
    ("safety", _("Safety: worries, warning signs, what happens if someone feels unsafe")),
    ("support", _("Who will support them before, during and after")),
    ("expectations", _("What they hope for, and what is realistic")),
    ("practicalities", _("Practical needs: language, interpreter, access, travel, timing")),
]

PREPARATION_CHECKLISTS: dict[str, list[tuple[str, object]]] = {
    ProcessType.DIRECT_MEDIATION: [
        *_COMMON_PREPARATION,
        ("questions", _("What they want to say and ask, and what they want to hear")),
        ("ground_rules", _("Ground rules for the meeting, and how a break is asked for")),
    ],
    ProcessType.INDIRECT_DIALOGUE: [
        *_COMMON_PREPARATION,
        ("messages", _("What may be passed on, in whose words, and what must not be")),
    ],
    ProcessType.CONFERENCE: [
        *_COMMON_PREPARATION,
        ("who_attends", _("Who they want present, and who they do not")),
        ("family_time", _("Private family or group time, and what it is for")),
    ],
    ProcessType.CIRCLE: [
        *_COMMON_PREPARATION,
        ("talking_piece", _("How the circle works: the talking piece, rounds, speaking from the heart")),
    ],
    ProcessType.COSA: [
        ("purpose", _("What the circle is for: support and accountability, safety of others first")),
        ("voluntary", _("Taking part is voluntary")),
        ("confidentiality", _("Confidentiality, and when concerns go to the outer circle")),
        ("relapse_plan", _("The core member's own plan to avoid harm, and warning signs")),
        ("expectations", _("Weekly meetings, minutes, and quarterly reviews")),
    ],
    ProcessType.SUPPORT_CIRCLE: [
        ("purpose", _("What the circle is for: support with the goals the survivor chooses, nothing else")),
        ("voluntary", _("Taking part is voluntary and the circle can end at any time, without a reason")),
        ("name", _("The name the volunteers will use, and what they will never be told")),
        ("goals", _("The goals, in the survivor's own words, and which of them the volunteers may see")),
        ("meetings", _("Whether the survivor wants to come to the meetings, and how often")),
        ("partners", _("Which organisations the survivor agrees to involve")),
        ("safety", _("Safety: worries, warning signs, what happens if someone feels unsafe")),
    ],
}

AGENDAS: dict[str, list[object]] = {
    ProcessType.DIRECT_MEDIATION: [
        _("Welcome and ground rules"),
        _("The survivor speaks, if they wish, about what happened and its effects"),
        _("The responsible person listens, then responds"),
        _("Questions and answers"),
        _("What could repair the harm"),
        _("Closing"),
    ],
    ProcessType.INDIRECT_DIALOGUE: [
        _("Messages received"),
        _("Questions to carry"),
        _("Answers to carry back"),
        _("Next step"),
    ],
    ProcessType.CONFERENCE: [
        _("Introductions and purpose"),
        _("What happened"),
        _("Who has been affected, and how"),
        _("What is needed to repair the harm"),
        _("Private group time"),
        _("Agreeing a plan"),
    ],
    ProcessType.CIRCLE: [
        _("Opening"),
        _("Check-in round"),
        _("Round: what happened and its effects"),
        _("Round: what is needed"),
        _("Round: what each can offer"),
        _("Closing round"),
    ],
    ProcessType.COSA: [
        _("Check-in"),
        _("The week: risks, successes, plans"),
        _("Concerns"),
        _("Next meeting"),
    ],
    ProcessType.SUPPORT_CIRCLE: [
        _("Check-in"),
        _("The goals: what moved, what is hard"),
        _("Who helps with the next steps"),
        _("Next meeting"),
    ],
}


def checklist_for(process_type: str) -> list[tuple[str, object]]:
    return PREPARATION_CHECKLISTS.get(process_type, _COMMON_PREPARATION)


# A session with one side only (the survivor's, or the responsible person's) in a process whose agenda is written
# for the two sides together (mediation: "the responsible person listens"): its own agenda. A circle's or a
# conference's agenda fits a circle or a group of one side as well.
TWO_SIDED_AGENDAS = frozenset({ProcessType.DIRECT_MEDIATION})
ONE_SIDE_AGENDA: list[object] = [
    _("Check-in: how they are, and anything that worries them"),
    _("What has happened since the last meeting"),
    _("What they want to say, ask or hear, and how"),
    _("Questions about the process"),
    _("Next steps, and when we meet again"),
]


def agenda_for(process_type: str, *, joint: bool = True) -> list[str]:
    """The agenda of a session in a process of ``process_type``; ``joint``: both sides there (a joint meeting)."""
    if not joint and process_type in TWO_SIDED_AGENDAS:
        return [str(item) for item in ONE_SIDE_AGENDA]
    return [str(item) for item in AGENDAS.get(process_type, [])]
