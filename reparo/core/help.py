"""Help where it is needed: the short "what this page is for" of each main screen (``{% page_help "key" %}``, a
``<details>`` element that needs no script), and the one-page guides, one for each role.

The texts are plain words, written once here so that every language has them in one catalogue."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# key -> what the page is for (a few sentences), and where to read more (a glossary entry's anchor, or "").
PAGE_HELP: dict[str, tuple[Any, str]] = {
    "home": (
        _(
            "What there is to do today, from where you work: each list links to the page where it is dealt with. "
            "You see the lists of your own roles, and only what your roles let you see."
        ),
        "",
    ),
    "case_list": (
        _(
            "Every case you can see, newest change first. Filter by program, status or team member, or search for a "
            "person by their full name, phone number or e-mail address. A case with an overdue task is marked."
        ),
        "case",
    ),
    "intake": (
        _(
            "Record a new referral: who referred the survivor, what happened in their words, and what they need. You "
            "can save a draft and finish it later; only you can see your drafts."
        ),
        "survivor",
    ),
    "case": (
        _(
            "Everything about one case: the people in it, the harm and needs in the survivor's words, the team, notes "
            "and tasks, the restorative processes and the timeline. Move the case on with its status."
        ),
        "case",
    ),
    "people": (
        _(
            "One person's details and the cases they take part in. Names and contact details are kept encrypted; "
            "elsewhere the person is shown by their display code."
        ),
        "display-code",
    ),
    "consents": (
        _(
            "What this person has agreed to (and withdrawn), purpose by purpose. Every use of their information "
            "asks this list first: once an agreement is withdrawn, the next use stops."
        ),
        "consent",
    ),
    "process": (
        _(
            "One restorative process: who takes part, the facilitators, preparation with each person alone, the "
            "sessions, and the joint-meeting gate, which says in plain words what is still missing before the two "
            "sides may meet."
        ),
        "gate",
    ),
    "session": (
        _(
            "One session: when and where, who is invited and whether they replied, the agenda, and afterwards who "
            "came and the session record."
        ),
        "process",
    ),
    "agreement": (
        _(
            "What the parties agreed: each item becomes an obligation once the survivor and the responsible person "
            "have both accepted. Record payments and what was met; only the survivor can let an obligation go."
        ),
        "agreement",
    ),
    "screenings": (
        _(
            "The readiness, suitability and risk screenings of this process. A screening counts once a supervisor "
            "other than the person who did it has signed it off, and until it expires."
        ),
        "screening",
    ),
    "safety": (
        _(
            "The case's safety records: safety plans and their reviews, screenings, contact restrictions and distress "
            "check-ins."
        ),
        "screening",
    ),
    "my_week": (
        _("Your sessions in the next seven days, and the letters and messages waiting for you to pass on."),
        "relay",
    ),
    "notices": (
        _(
            "Discreet notices that something is waiting for you on a case. They never say what, so that nobody "
            "reading over your shoulder learns anything."
        ),
        "",
    ),
    "training": (
        _(
            "Your training record: certifications and when they expire, course hours and development hours, "
            "practice scenarios, observations and supervision."
        ),
        "certification",
    ),
    "courses": (
        _(
            "The organisation's courses and workshops. Attendance counts towards certification and the yearly "
            "development hours."
        ),
        "certification",
    ),
    "scenarios": (
        _(
            "Role-play scenarios to practise difficult moments. Each choice is scored; passing scenarios counts "
            "towards certification."
        ),
        "certification",
    ),
    "outcomes": (
        _(
            "Whether the program helps, in figures: cases, processes, agreements, well-being before and after, "
            "satisfaction and re-offending. Any count below 11 is hidden so that nobody can be recognised."
        ),
        "small-counts",
    ),
    "evaluation": (
        _(
            "The questionnaires due for people on your cases, most overdue first. Surveys go only to people who "
            "agreed to the use of their answers for evaluation."
        ),
        "",
    ),
    "audit": (
        _(
            "Who did what and when in your organisation: every read of a person's record, every change, export and "
            "share. Nobody can change or delete this log."
        ),
        "",
    ),
    "referrals_in": (
        _("People partner organisations refer to your programs. Accept to start an intake, or decline with a reason."),
        "partner",
    ),
    "funding": (
        _("Grants, what they are for, and how they are spent against each program's budget."),
        "",
    ),
    "support": (
        _("Support circles: community volunteers who walk alongside a survivor, with goals the survivor sets."),
        "support-circle",
    ),
    "organisation": (
        _("The organisation's programs, and for its admins the members and their roles."),
        "",
    ),
}

# Role (organisation role code) -> the guide's template (partners' two roles share one guide).
GUIDES: dict[str, str] = {
    "org_admin": "help/guides/org_admin.html",
    "coordinator": "help/guides/coordinator.html",
    "facilitator": "help/guides/facilitator.html",
    "case_worker": "help/guides/case_worker.html",
    "supervisor": "help/guides/supervisor.html",
    "cosa_volunteer": "help/guides/cosa_volunteer.html",
    "evaluator": "help/guides/evaluator.html",
    "support_volunteer": "help/guides/support_volunteer.html",
    "partner_liaison": "help/guides/partner.html",
    "partner_worker": "help/guides/partner.html",
}


def page_help(key: str) -> tuple[Any, str]:
    """The text of one page's help, and its glossary anchor; a key that is not written yet is a programming
    error (a page must not show an empty help)."""
    return PAGE_HELP[key]
