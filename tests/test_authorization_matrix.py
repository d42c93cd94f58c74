"""The authorization matrix: every URL pattern of the project, for every kind of actor, for their own organisation's
objects, the other organisation's, and a parent of one organisation addressed with a child of the other — GET, and
POST as htmx sends it with a valid CSRF token.

What each actor must get is declared once, below: a few named access policies (one column per actor kind) and one
table that gives each URL name its policy. A URL pattern the table does not name fails the build, and so does a
table entry for a pattern that is gone. The rules are the designed ones (docs/DESIGN.md: least privilege, per object;
what is not yours answers 404, as what does not exist): where the app answers otherwise, the table is not bent to
it — a URL that answers otherwise fails the build until the app is mended.

Every request runs in a savepoint that is rolled back, with the writes it tried recorded: an actor who must be
refused may not write anything. Every answer is searched for the canaries of :mod:`tests.matrix.world` (a unique
string in each encrypted field, case references and display codes) that the actor may not read.

Adding a kind of actor: a user for it in tests/matrix/world.py (ACTOR_ORDER), a column in COLUMNS, and one cell in
each row of POLICY_TABLE. Adding a URL: an entry in URLS (a policy for GET and for POST, the objects its keywords
name where OBJECTS does not say, and the form a POST sends). To see every answer, set MATRIX_DUMP to a file name:
one line per request (where, expected, got, status, tables written, why refused, processor seconds).
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import django.conf.urls as django_urls
import django.test.client as test_client
import django.views.defaults as django_defaults
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Model
from django.http import HttpResponseNotFound
from django.urls import reverse
from django.utils import timezone

from reparo.accounts.models import Role
from reparo.analytics import selectors as analytics_selectors
from reparo.cases.models import TeamRole
from reparo.cosa.models import CLOSING_QUESTIONS
from reparo.organisations.models import Organisation, OrganisationKind
from reparo.training.framework import competencies_of
from reparo.training.scenarios import library
from tests.conftest import reauthenticated as reauthenticated_client
from tests.matrix.runner import Answer, Pattern, client_for, perform, url_patterns
from tests.matrix.world import TEAM_ACTORS, Canary, MatrixWorld, build
from tests.safety.factories import all_answers

pytestmark = pytest.mark.django_db  # the world is built once, by the module's fixture; each test runs in a savepoint

# --- actor kinds ---------------------------------------------------------------------------------------------------

# The column headings of the policy table, and the actor kind each stands for (tests/matrix/world.py makes them).
# Adding an actor kind (partner users, participants) is one column here and one cell in each policy row.
COLUMNS = {
    "adm": "org_admin",  # organisation roles in A, on no case team
    "coo": "coordinator",
    "fac": "facilitator",
    "cw": "case_worker",
    "sup": "supervisor",
    "vol": "cosa_volunteer",
    "svo": "support_volunteer",  # a volunteer of the survivor's support circle
    "eva": "evaluator",
    "pl": "partner_liaison",  # partner users, in the partner organisation A refers people to
    "pwk": "partner_worker",
    "tlf": "team_lead_facilitator",  # the matching organisation role + this role on the team of A's case
    "tcf": "team_co_facilitator",
    "tcw": "team_case_worker",
    "tsu": "team_supervisor",
    "tcv": "team_cosa_volunteer",  # the responsible-person side (and in the case's circle)
    "oth": "other_team",  # a facilitator of A on the team of another case of A
    "ex": "former_team_member",  # still on the team of A's case, but their role in A has ended
    "ps": "participant_survivor",  # the survivor of A's case, signed in to the portal
    "pr": "participant_responsible",  # the responsible person of A's case, signed in to the portal
    "out": "outsider",  # Charlie, B's organisation admin: this column is what he gets in his own organisation
    "ano": "anonymous",
    "pwo": "password_only",  # an org admin of A signed in without the second factor
}
ACTORS = tuple(COLUMNS.values())

# --- access policies -----------------------------------------------------------------------------------------------

# ok: shown or done (200, or a redirect elsewhere than sign-in); ref: refused in plain words (a form error or an
# error message, and nothing written); 401: the REST API's answer to anyone without an API token (a session, signed
# in or not, is not one); lgn: sent to sign in; 2fa: sent to the second factor; 404, 405; bye: signed
# out and sent to the sign-in page; re: sent to confirm the password and a code again first; plg: sent to the
# portal's sign-in page.
OUTCOMES = {
    "ok": "ok",
    "ref": "refused",
    "404": "404",
    "405": "405",
    "403": "403",
    "401": "401",
    "lgn": "login",
    "2fa": "2fa",
    "bye": "signed out",
    "re": "reauth",
    "plg": "portal login",
}

POLICY_TABLE = """
                       adm coo fac cw  sup vol svo eva pl  pwk tlf tcf tcw tsu tcv oth ex  ps  pr  out ano pwo
PUBLIC                 ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok
SIGNED_IN              ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  404 404 ok  lgn 2fa
BEFORE_SECOND_FACTOR   ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  404 404 ok  lgn ok
SIGNS_OUT              bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye
SIGNS_OUT_EVERYWHERE   bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye bye 404 404 bye lgn 2fa
ORG_MEMBER             ok  ok  ok  ok  ok  ok  ok  ok  404 404 ok  ok  ok  ok  ok  ok  404 404 404 ok  lgn 2fa
ORG_ADMIN              ok  404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
SEES_ALL_CASES         ok  ok  404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
OPENS_CASES            ok  ok  404 ok  404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 ok  lgn 2fa
CASE_READ              ok  ok  404 404 404 404 404 404 404 404 ok  ok  ok  ok  ok  404 404 404 404 ok  lgn 2fa
CASE_WORK              ok  ok  404 404 404 404 404 404 404 404 ok  ok  ok  ok  404 404 404 404 404 ok  lgn 2fa
CIRCLE_WORK            ok  ok  404 404 404 404 404 404 404 404 ok  ok  ok  ok  ok  404 404 404 404 ok  lgn 2fa
ASSIGNS_FACILITATORS   ok  ok  404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 404 404 ok  lgn 2fa
DRAFT_OWNER            404 404 404 404 404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 404 lgn 2fa
NOTE_AUTHOR            404 404 404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 404 404 404 lgn 2fa
OWN_NOTICE             404 404 404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 404 404 404 lgn 2fa
SIGNS_OFF_SCREENINGS   404 404 404 404 404 404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 lgn 2fa
LIFTS_RESTRICTIONS     ok  ok  404 404 404 404 404 404 404 404 ref ref ref ok  404 404 404 404 404 ok  lgn 2fa
EVALUATION             ok  ok  404 404 404 404 404 ok  404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
TRAINING_MANAGER       ok  ok  404 404 ok  404 404 404 404 404 404 404 404 ok  404 404 404 404 404 ok  lgn 2fa
TRAINING_ASSESSOR      ok  404 404 404 ok  404 404 404 404 404 404 404 404 ok  404 404 404 404 404 ok  lgn 2fa
TRAINING_ADMIN         ok  404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
SUBJECT_OR_MANAGER     ok  ok  404 404 ok  404 404 404 404 404 ok  404 404 ok  404 404 404 404 404 ok  lgn 2fa
SUBJECT_ONLY           404 404 404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 404 404 404 lgn 2fa
DECLARES_CONFLICT      ok  ok  ref ref ref ref ref ref 404 404 ok  ok  ok  ok  ok  ref 404 404 404 ok  lgn 2fa
RECORDS_CONFLICT_FOR   ok  ok  404 404 ref 404 404 404 404 404 404 404 404 ok  404 404 404 404 404 ok  lgn 2fa
OBSERVES_AS_SUPERVISOR 404 404 404 404 ok  404 404 404 404 404 ref 404 404 ok  404 404 404 404 404 404 lgn 2fa
OBSERVES_SUBJECT       404 404 404 404 ok  404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 lgn 2fa
NOBODY                 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 lgn 2fa
NOT_ALLOWED            405 405 405 405 405 405 405 405 405 405 405 405 405 405 405 405 405 405 405 405 405 405
SUPERVISOR_NOTES       ok  404 404 404 404 404 404 404 404 404 404 404 404 ok  404 404 404 404 404 ok  lgn 2fa
OTHER_CASE             ok  ok  404 404 404 404 404 404 404 404 404 404 404 404 404 ok  404 404 404 404 lgn 2fa
SUBJECT_OR_ASSESSOR    ok  404 404 404 ok  404 404 404 404 404 ok  404 404 ok  404 404 404 404 404 ok  lgn 2fa
PROGRAM_STAFF          ok  ok  ok  ok  ok  ok  ok  ok  404 404 ok  ok  ok  ok  ok  ok  404 404 404 ok  lgn 2fa
PARTNER_USERS          404 404 404 404 404 404 404 404 ok  ok  404 404 404 404 404 404 404 404 404 404 lgn 2fa
FUNDING_VIEW           ok  ok  404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
FUNDING_MANAGE         ok  404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
RELAYS_MESSAGES        404 404 404 404 404 404 404 404 404 404 ok  ok  404 404 404 404 404 404 404 404 lgn 2fa
REAUTH_FIRST           re  re  re  re  re  re  re  re  re  re  re  re  re  re  re  re  re  404 404 re  lgn 2fa
PORTAL_PUBLIC          404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  ok  404 ok  404
PORTAL                 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  ok  404 plg 404
PORTAL_SURVIVOR        404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  404 404 plg 404
SURVIVOR_READERS       ok  ok  404 404 404 404 404 404 404 404 ok  ok  ok  ok  404 404 404 ok  404 ok  lgn 2fa
RESPONSIBLE_READERS    ok  ok  404 404 404 404 404 404 404 404 ok  ok  ok  ok  ok  404 404 404 ok  ok  lgn 2fa
INCOMING_READERS       ok  ok  404 ok  404 404 404 404 ok  ok  404 404 ok  404 404 404 404 404 404 ok  lgn 2fa
PORTAL_NOT_ALLOWED     404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 405 405 404 405 404
PORTAL_SECOND_STEP     404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  ok  404 plg 404
PORTAL_SIGNS_OUT       404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 bye bye 404 bye 404
BOTH_PARTIES           ok  ok  404 404 404 404 404 404 404 404 ok  ok  ok  ok  404 404 404 ok  ok  ok  lgn 2fa
SUPPORT_CIRCLE         ok  ok  404 404 404 404 ok  404 404 404 ok  ok  ok  ok  404 404 404 404 404 ok  lgn 2fa
CIRCLE_READERS         ok  ok  404 404 404 404 ok  404 404 404 ok  ok  ok  ok  404 404 404 ok  404 ok  lgn 2fa
PUBLISHES_RELEASES     ok  404 404 404 404 404 404 ok  404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
COURSE_READERS         ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  ok  404 404 404 ok  lgn 2fa
PARTNER_ADMIN          404 404 404 404 404 404 404 404 ok  404 404 404 404 404 404 404 404 404 404 404 lgn 2fa
API                    401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401 401
JOB_OWNER              ok  404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 404 ok  lgn 2fa
"""


def _parse(table: str) -> dict[str, dict[str, str]]:
    lines = [line.split() for line in table.strip().splitlines()]
    heading, rows = lines[0], lines[1:]
    assert [COLUMNS[h] for h in heading] == list(ACTORS), "the table's columns are the actor kinds, in order"
    policies = {}
    for name, *cells in rows:
        assert len(cells) == len(ACTORS), f"{name}: one cell per actor kind"
        policies[name] = {actor: OUTCOMES[cell] for actor, cell in zip(ACTORS, cells, strict=True)}
    return policies


POLICIES = _parse(POLICY_TABLE)

# --- what the URLs point at ----------------------------------------------------------------------------------------

# URL keyword -> the world object it names (tests/matrix/world.py), by app. A keyword not found here must be named by
# the URL's own entry (objects=... or fixed=...): a pattern that cannot be filled fails, it is never skipped.
OBJECTS = {
    "organisations": {"pk": "organisation", "membership_pk": "membership", "user_pk": "subject"},
    "cases": {"pk": "case", "note_pk": "note", "task_pk": "task", "member_pk": "team_member"},
    "people": {"pk": "survivor"},
    "consent": {"person_pk": "survivor", "pk": "consent"},
    "processes": {
        "pk": "process",
        "case_pk": "case",
        "participant_pk": "process_participant",
        "session_pk": "session",
        "invitation_pk": "invitation",
    },
    "agreements": {"process_pk": "process"},
    "cosa": {
        "process_pk": "cosa_process",
        "member_pk": "inner_member",
        "meeting_pk": "meeting",
        "concern_pk": "concern",
    },
    "safety": {"person_pk": "survivor", "restriction_pk": "restriction"},
    "evaluation": {"line_pk": "schedule_line", "case_pk": "case"},
    "training": {"user_pk": "subject", "session_pk": "course_session"},
    "analytics": {"organisation_pk": "organisation", "program_pk": "program", "pk": "improvement"},
    "funding": {"pk": "grant", "deadline_pk": "deadline"},
    "messaging": {"case_pk": "case", "pk": "thread"},
    "partners": {"pk": "partner", "program_pk": "program"},
    "referrals": {"case_pk": "case", "pk": "referral"},
    "portal_staff": {"case_pk": "case", "person_pk": "survivor", "pk": "program"},
    "support": {
        "process_pk": "support_process",
        "pk": "support_circle",
        "member_pk": "support_member",
        "goal_pk": "goal",
        "progress_pk": "progress",
        "meeting_pk": "support_meeting",
        "worry_pk": "worry",
    },
    "releases": {"organisation_pk": "organisation", "pk": "release"},
    "interop": {"organisation_pk": "organisation", "pk": "field_submission"},
    "api": {"pk": "referral"},
    "api_tokens": {"organisation_pk": "organisation", "pk": "api_token"},
    "jobs": {"pk": "job"},
}

# Keywords of whole families of URLs that name another object than their app's default.
BY_URL: dict[str, dict[str, str]] = {
    "messaging:attachment": {"pk": "attachment"},
    "messaging:contact_end": {"pk": "contact"},
    **{
        f"messaging:relay{end}": {"pk": "relay"}
        for end in ("", "_approve", "_edit", "_decline", "_answer", "_withdraw")
    },
    **{f"partners:agreement{end}": {"pk": "sharing_agreement"} for end in ("", "_edit", "_document", "_move")},
    **{f"referrals:incoming_{end}": {"pk": "incoming"} for end in ("detail", "accept", "decline")},
    "api:release": {"pk": "release"},
}

SCENARIO = sorted(library().scenarios)[0]

# --- the table -----------------------------------------------------------------------------------------------------

Data = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Entry:
    """What one URL must answer: the policy of a GET and of a POST (a policy name, or "405" for a method the view
    refuses), the world objects its keywords name where the app's default does not fit, fixed values for keywords
    that name no object, and the form a POST sends (built from the objects of the organisation addressed)."""

    get: str
    post: str
    objects: dict[str, str] = field(default_factory=dict)
    fixed: dict[str, str] = field(default_factory=dict)
    data: Data | None = None
    query: dict[str, str] = field(default_factory=dict)  # query parameter -> the world object it names
    reauth: bool = False  # asked by clients that have just confirmed their password and a code again
    shared: bool = False  # its objects belong to no one organisation (partners are in everyone's directory)


def page(policy: str, *, data: Data | None = None, **objects: str) -> Entry:
    """A page: GET shows it, POST (the same view) shows it or saves its form."""
    return Entry(policy, policy, objects=objects, data=data)


def form(get: str, post: str, *, data: Data | None = None, **objects: str) -> Entry:
    return Entry(get, post, objects=objects, data=data)


def action(policy: str, *, data: Data | None = None, **objects: str) -> Entry:
    """POST only (GET answers 405 to whoever is signed in with both factors)."""
    return Entry("405", policy, objects=objects, data=data)


def get_only(policy: str, **objects: str) -> Entry:
    return Entry(policy, "405", objects=objects)


def fixed(entry: Entry, **values: str) -> Entry:
    return dataclasses.replace(entry, fixed=values)


def with_query(entry: Entry, **objects: str) -> Entry:
    """The same URL with query parameters that name objects (an entry keyed "<url name>?<parameter>")."""
    return dataclasses.replace(entry, query=objects)


def reauthenticated(entry: Entry) -> Entry:
    return dataclasses.replace(entry, reauth=True)


def shared_objects(entry: Entry) -> Entry:
    return dataclasses.replace(entry, shared=True)


def _day(days: int = 0) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _at(hours: int) -> str:
    return (timezone.localtime() + datetime.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _first_half_of(grant: Any) -> dict[str, str]:
    """A report period within the grant's (which is the year the world was built in)."""
    return {"start": grant.starts_on.isoformat(), "end": grant.starts_on.replace(month=6, day=30).isoformat()}


def fresh(obj: Any) -> Any:
    """The object as the database has it now (its version may have moved since the world was built)."""
    return type(obj).objects.get(pk=obj.pk)


def _ratings(o: dict[str, Any], prefix: str, value: str) -> dict[str, str]:
    return {f"{prefix}{competencies_of(o['organisation'])[0].code}": value}


URLS: dict[str, Entry] = {
    # Public pages and the sign-in steps.
    "core:healthz": form("PUBLIC", "NOT_ALLOWED"),
    "core:quick_exit": form("NOT_ALLOWED", "PUBLIC"),
    "set_language": page("PUBLIC"),
    "accounts:login": page("PUBLIC"),
    "accounts:logout": form("NOT_ALLOWED", "SIGNS_OUT"),
    "accounts:password_reset": page("PUBLIC"),
    "accounts:password_reset_done": form("PUBLIC", "NOT_ALLOWED"),
    "accounts:password_reset_confirm": fixed(page("PUBLIC"), uidb64="MQ", token="set-password"),
    "accounts:password_reset_complete": form("PUBLIC", "NOT_ALLOWED"),
    "accounts:two_factor_verify": page("BEFORE_SECOND_FACTOR"),
    "accounts:two_factor_setup": reauthenticated(page("SIGNED_IN")),
    "accounts:two_factor_setup#not_reauthenticated": page("REAUTH_FIRST"),
    # Everyone signed in: pages about themselves, lists already limited to what they may see.
    "home:index": page("SIGNED_IN"),
    # Help: the glossary and each role's one-page guide (no object; the same for everyone signed in).
    "help:index": get_only("SIGNED_IN"),
    "help:glossary": get_only("SIGNED_IN"),
    "help:guide": fixed(get_only("SIGNED_IN"), role="coordinator"),
    "accounts:security": page("SIGNED_IN"),
    # Changes to how one signs in: first the password and a code again (asked for on their own below, and here for
    # clients that have just done so).
    "accounts:reauth": page("SIGNED_IN"),
    "accounts:backup_codes": reauthenticated(page("SIGNED_IN")),
    "accounts:password_change": reauthenticated(page("SIGNED_IN")),
    "accounts:authenticator_remove": reauthenticated(page("SUBJECT_ONLY", pk="device")),
    "accounts:backup_codes#not_reauthenticated": page("REAUTH_FIRST"),
    "accounts:password_change#not_reauthenticated": page("REAUTH_FIRST"),
    "accounts:authenticator_remove#not_reauthenticated": page("REAUTH_FIRST", pk="device"),
    "accounts:logout_everywhere": action("SIGNS_OUT_EVERYWHERE"),
    "organisations:list": page("SIGNED_IN"),
    "cases:list": page("PROGRAM_STAFF"),
    "cases:search": action("PROGRAM_STAFF", data=lambda o: {"q": o["case"].reference}),
    "processes:my_week": page("SIGNED_IN"),
    "safety:notices": page("SIGNED_IN"),
    "evaluation:home": page("SIGNED_IN"),
    "analytics:index": page("SIGNED_IN"),
    # Organisations.
    "organisations:detail": page("ORG_MEMBER"),
    "organisations:member_add": action(
        "ORG_ADMIN", data=lambda o: {"email": "new@member.example", "role": "facilitator"}
    ),
    "organisations:membership_end": action("ORG_ADMIN"),
    "organisations:user_deactivate": action("ORG_ADMIN"),
    "audit:list": page("ORG_ADMIN"),
    # Cases.
    "cases:intake": form(
        "OPENS_CASES",
        "OPENS_CASES",
        data=lambda o: {
            "program": o["program"],
            "referral_source": "ngo",
            "referral_date": _day(-1),
            "given_name": "New",
        },
    ),
    "cases:intake?draft": with_query(
        form(
            "DRAFT_OWNER",
            "DRAFT_OWNER",
            data=lambda o: {
                "program": o["program"],
                "referral_source": "ngo",
                "referral_date": _day(-1),
                "given_name": "New",
                "draft_id": o["draft"],
            },
        ),
        draft="draft",
    ),
    "cases:detail": page("CASE_READ"),
    "cases:responsible_side": page("CASE_READ"),
    "cases:timeline": page("CASE_READ"),
    "cases:edit": page(
        "CASE_WORK",
        data=lambda o: {
            "version": fresh(o["case"]).version,
            "referral_source": "ngo",
            "referral_date": "2026-01-15",
            "summary": "Edited",
        },
    ),
    "cases:transition": action("CASE_WORK", data=lambda o: {"to_status": "assessment", "reason": "Ready"}),
    "cases:form": fixed(page("SEES_ALL_CASES"), name="team"),
    "cases:note_add": action("CASE_WORK", data=lambda o: {"body": "A note", "confidentiality": "team"}),
    "cases:note_edit": page(
        "NOTE_AUTHOR", data=lambda o: {"body": "Edited", "confidentiality": "team", "version": fresh(o["note"]).version}
    ),
    "cases:task_add": action("CASE_WORK", data=lambda o: {"title": "A task"}),
    "cases:task_complete": action("CASE_WORK"),
    "cases:team_add": action(
        "SEES_ALL_CASES", data=lambda o: {"user": o["staff"].spare_facilitator, "role": "co_facilitator"}
    ),
    "cases:team_remove": action("SEES_ALL_CASES"),
    "cases:need_add": action("CASE_WORK", data=lambda o: {"category": "health", "priority": "2", "statement": "x"}),
    "cases:harm_add": action("CASE_WORK", data=lambda o: {"exploitation_types": ["ForcedLabour"], "description": "x"}),
    # People and their consents (the survivor of the case).
    "people:detail": page("CASE_WORK"),
    "people:identity": page("CASE_WORK"),
    "people:edit": page("CASE_WORK", data=lambda o: {"version": fresh(o["survivor"]).version, "given_name": "Edited"}),
    "people:erase": action("ORG_ADMIN", data=lambda o: {"confirm": "on"}),
    "consent:person": get_only("CASE_WORK"),
    "consent:record": action(
        "CASE_WORK", data=lambda o: {"purpose": "reporting", "method": "written", "given_at": _at(-1)}
    ),
    "consent:withdraw": action("CASE_WORK"),
    # The same, for the responsible person: the responsible-person side reads, but does not act.
    "people:detail#responsible": page("CASE_READ", pk="responsible"),
    "people:identity#responsible": page("CASE_READ", pk="responsible"),
    "people:edit#responsible": page(
        "CASE_WORK", pk="responsible", data=lambda o: {"version": fresh(o["responsible"]).version, "given_name": "E"}
    ),
    "people:erase#responsible": action("ORG_ADMIN", pk="responsible", data=lambda o: {"confirm": "on"}),
    "consent:person#responsible": form("CASE_READ", "405", person_pk="responsible"),
    "consent:record#responsible": action(
        "CASE_WORK",
        person_pk="responsible",
        data=lambda o: {"purpose": "reporting", "method": "written", "given_at": _at(-1)},
    ),
    "consent:withdraw#responsible": action("CASE_WORK", person_pk="responsible", pk="responsible_consent"),
    "safety:plan#responsible": page(
        "NOBODY", pk="case", person_pk="responsible", data=lambda o: {"next_review_on": _day(40), "warning_signs": "x"}
    ),
    # Processes (the mediation process of the case).
    "processes:open": action("CASE_WORK", data=lambda o: {"type": "circle"}),
    "processes:detail": page("CASE_READ"),
    "processes:participant_add": action(
        "CASE_WORK",
        data=lambda o: {"case_participant": o["case"].participants.get(role="survivor"), "role": "survivor"},
    ),
    "processes:withdraw": action("CASE_WORK"),
    "processes:supports": action("CASE_WORK", data=lambda o: {"supports": ""}),
    "processes:facilitator_assign": action(
        "ASSIGNS_FACILITATORS", data=lambda o: {"user": o["staff"].co, "role": "co_facilitator"}
    ),
    "processes:stage": action("CASE_WORK", data=lambda o: {"to_stage": "preparation"}),
    "processes:end": action("CASE_WORK", data=lambda o: {"reason": "other", "note": "x"}),
    "processes:resume": action("CASE_WORK"),
    "processes:preparation": action(
        "CASE_WORK",
        data=lambda o: {"participant": o["process_participant"], "held_on": _day(), "covered": ["purpose"]},
    ),
    "processes:session_new": page(
        "CASE_WORK",
        data=lambda o: {
            "starts_at": _at(30),
            "duration_minutes": "60",
            "mode": "phone",
            "invited": [o["process_participant"]],
        },
    ),
    "processes:session": page("CASE_WORK"),
    "processes:session_cancel": action("CASE_WORK", data=lambda o: {"reason": "x"}),
    "processes:session_reschedule": action("CASE_WORK", data=lambda o: {"starts_at": _at(50), "reason": "x"}),
    "processes:session_record": action("CASE_WORK", data=lambda o: {"record": "x", "attended": [o["invitation"]]}),
    "processes:invitation_reply": action("CASE_WORK", data=lambda o: {"reply": "accepted"}),
    "processes:session_calendar": page("CASE_WORK"),
    # Agreements (of the mediation process): the draft of the next version, the binding one's obligations.
    "agreements:detail": page("CASE_WORK"),
    "agreements:draft": action("CASE_WORK"),
    "agreements:item_add": action(
        "CASE_WORK", pk="agreement", data=lambda o: {"kind": "commitment", "description": "x"}
    ),
    "agreements:item_remove": action("CASE_WORK", pk="item"),
    "agreements:propose": action("CASE_WORK", pk="agreement"),
    "agreements:accept": action(
        "CASE_WORK", pk="agreement", data=lambda o: {"participant": o["process_participant"], "how": "in_writing"}
    ),
    "agreements:obligation_mark": action(
        "CASE_WORK", pk="obligation", data=lambda o: {"status": "met", "evidence": "x"}
    ),
    "agreements:instalment_pay": action("CASE_WORK", pk="instalment", data=lambda o: {"amount": "10.00"}),
    # The circle (of the CoSA process): its volunteers record meetings, minutes and concerns.
    "cosa:detail": page("CASE_READ"),
    "cosa:open": action("CASE_WORK"),
    "cosa:inner_add": action(
        "CASE_WORK",
        data=lambda o: {"user": o["staff"].spare_volunteer, "training_hours": "24", "screening_done_on": _day(-9)},
    ),
    "cosa:inner_update": action("CASE_WORK", data=lambda o: {"training_hours": "30", "active": "on"}),
    "cosa:outer_add": action("CASE_WORK", data=lambda o: {"organisation": o["partner"], "role_description": "Housing"}),
    "cosa:meeting_record": action("CIRCLE_WORK", data=lambda o: {"held_at": _at(-3), "core_member_attended": "on"}),
    "cosa:minutes": action("CIRCLE_WORK", data=lambda o: {"minutes": "x"}),
    "cosa:concern_raise": action("CIRCLE_WORK", data=lambda o: {"risk_level": "low", "description": "x"}),
    "cosa:escalate": action("CASE_WORK", data=lambda o: {"organisation": o["partner"]}),
    "cosa:review_add": action("CASE_WORK", data=lambda o: {"review_date": _day(), "summary": "x"}),
    "cosa:questionnaire": action(
        "CASE_WORK", data=lambda o: {**{code: "4" for code, _label in CLOSING_QUESTIONS}, "comment": "x"}
    ),
    # Safety.
    "safety:notice_read": action("OWN_NOTICE", pk="notice"),
    "safety:case": page("CASE_WORK", pk="case"),
    "safety:trend": page("CASE_WORK", pk="case"),
    "safety:plan": page(
        "CASE_WORK",
        pk="case",
        data=lambda o: {"next_review_on": _day(40), "warning_signs": "x", "version": fresh(o["safety_plan"]).version},
    ),
    "safety:restrictions": page(
        "CASE_WORK",
        pk="case",
        data=lambda o: {
            "person_a": o["survivor"],
            "person_b": o["responsible"],
            "kind": "court_condition",
            "valid_from": _day(),
        },
    ),
    "safety:restriction_lift": action("LIFTS_RESTRICTIONS", pk="case"),
    "safety:process": page("CASE_WORK", pk="process"),
    "safety:screening_new": fixed(
        page(
            "CASE_WORK",
            pk="process",
            data=lambda o: {
                "person": o["survivor"],
                "outcome": "ready",
                **{f"item_{k}": v for k, v in all_answers("survivor_readiness").items()},
            },
        ),
        kind="survivor_readiness",
    ),
    "safety:checkin": page(
        "CASE_WORK", pk="process", data=lambda o: {"person": o["survivor"], "moment": "before", "rating": "1"}
    ),
    "safety:program_threshold": page("SEES_ALL_CASES", pk="program", data=lambda o: {"threshold": "8"}),
    "safety:sign_off": action("SIGNS_OFF_SCREENINGS", pk="screening"),
    # Evaluation.
    "evaluation:program": page("EVALUATION", pk="program"),
    "evaluation:schedule_add": action(
        "EVALUATION",
        pk="program",
        data=lambda o: {
            "instrument": "k10",
            "timepoint": "months_3",
            "audience": "responsible",
            "due_within_days": "21",
        },
    ),
    "evaluation:schedule_remove": action("EVALUATION", pk="program"),
    "evaluation:cohort_import": page(
        "EVALUATION",
        pk="program",
        data=lambda o: {
            "name": "Court sample",
            "valid_rows_only": "on",
            "file": SimpleUploadedFile(
                "c.csv",
                b"reference,followup_start,followup_end,reoffended_on,event_type\nA,2024-01-01,2024-12-31,,\n",
                "text/csv",
            ),
        },
    ),
    "evaluation:feedback": page(
        "EVALUATION",
        pk="program",
        data=lambda o: {"stakeholder_kind": "police", "received_on": _day(), "stakeholder_1": "5", "comment": "x"},
    ),
    "evaluation:interview": page(
        "CASE_WORK", pk="assignment", data=lambda o: {"collected_on": _day(), **{f"who5_{i}": "3" for i in range(1, 6)}}
    ),
    "evaluation:cancel": action("CASE_WORK", pk="assignment", data=lambda o: {"reason": "declined"}),
    "evaluation:interview#responsible": page(
        "CASE_READ",
        pk="responsible_assignment",
        data=lambda o: {"collected_on": _day(), **{f"who5_{i}": "3" for i in range(1, 6)}},
    ),
    "evaluation:cancel#responsible": action(
        "CASE_READ", pk="responsible_assignment", data=lambda o: {"reason": "declined"}
    ),
    "evaluation:reoffending": page(
        "CASE_READ",
        data=lambda o: {"person": o["responsible"], "occurred_on": _day(), "type": "charge", "source": "probation"},
    ),
    # Training: each organisation's own, per person.
    "training:mine": page("ORG_MEMBER"),
    "training:person": page("SUBJECT_OR_MANAGER"),
    "training:cpd_add": action("ORG_MEMBER", data=lambda o: {"done_on": _day(), "hours": "1.5", "activity": "Reading"}),
    "training:observe": action(
        "OBSERVES_AS_SUPERVISOR",
        data=lambda o: {
            "facilitator": o["subject"],
            "observer_role": "supervisor",
            "observed_on": _day(),
            **_ratings(o, "rating_", "3"),
        },
    ),
    "training:reflection_add": action("ORG_MEMBER", data=lambda o: {"written_on": _day(), "text": "x"}),
    "training:profile": action("ORG_MEMBER", data=lambda o: {"languages": ["en"]}),
    "training:conflict": action(
        "DECLARES_CONFLICT", data=lambda o: {"case_reference": o["case"].reference, "description": "x"}
    ),
    "training:conflict_for": action(
        "RECORDS_CONFLICT_FOR", data=lambda o: {"case_reference": o["case"].reference, "description": "x"}
    ),
    "training:courses": form(
        "ORG_MEMBER",
        "TRAINING_MANAGER",
        data=lambda o: {"title": "New course", "competencies": [competencies_of(o["organisation"])[0]]},
    ),
    "training:course": page("ORG_MEMBER", pk="course"),
    "training:course_enrol": action("ORG_MEMBER", pk="course"),
    "training:course_session_add": action(
        "TRAINING_MANAGER", pk="course", data=lambda o: {"starts_at": _at(30), "hours": "2"}
    ),
    "training:attendance": action("TRAINING_MANAGER", data=lambda o: {"present": [o["subject"]]}),
    "training:scenarios": page("ORG_MEMBER"),
    "training:attempt_start": fixed(action("ORG_MEMBER"), scenario_id=SCENARIO),
    "training:attempt": form("SUBJECT_OR_MANAGER", "SUBJECT_ONLY", pk="attempt", data=lambda o: {"choice": "x"}),
    "training:team": page("TRAINING_MANAGER"),
    "training:expiring": page("TRAINING_MANAGER"),
    "training:framework": page("TRAINING_MANAGER"),
    "training:requirement_set": action(
        "TRAINING_ADMIN",
        data=lambda o: {
            "process_type": "circle",
            "competency": competencies_of(o["organisation"])[0].code,
            "level": "2",
        },
    ),
    "training:competency_save": action("TRAINING_ADMIN", data=lambda o: {"code": "newskill", "name": "New skill"}),
    "training:program_settings": action(
        "TRAINING_ADMIN",
        pk="program",
        data=lambda o: {
            "cpd_hours_per_year": "10",
            "certification_course_hours": "10",
            "certification_scenarios": "1",
            "certification_observations": "1",
            "open_process_cap": "5",
            "cosa_volunteer_hours": "10",
        },
    ),
    "training:profile_for": action("TRAINING_MANAGER", data=lambda o: {"languages": ["en"], "open_process_cap": "5"}),
    "training:observation_add": action(
        "OBSERVES_SUBJECT",
        data=lambda o: {"observer_role": "supervisor", "observed_on": _day(), **_ratings(o, "rating_", "3")},
    ),
    "training:supervision_add": action("TRAINING_ASSESSOR", data=lambda o: {"held_on": _day(), "notes": "x"}),
    "training:certify": action(
        "TRAINING_ASSESSOR", data=lambda o: {"program": o["program"], **_ratings(o, "level_", "2")}
    ),
    "training:renew": action("TRAINING_ASSESSOR", pk="certification"),
    "training:suspend": action("TRAINING_ASSESSOR", pk="certification", data=lambda o: {"reason": "x"}),
    "training:eligibility": page("ASSIGNS_FACILITATORS", pk="process"),
    "training:preference": action("CASE_WORK", pk="process", data=lambda o: {"facilitator_gender": ""}),
    "training:course_open": action("TRAINING_MANAGER", pk="course", data=lambda o: {"organisations": [o["partner"]]}),
    "training:joint": page("PARTNER_USERS"),
    "training:joint_course": page("PARTNER_USERS", pk="course"),
    "training:joint_enrol": action("PARTNER_USERS", pk="course"),
    "training:partner_attendance": page("TRAINING_MANAGER"),
    # Outcomes: evaluation roles, per organisation and program.
    "analytics:organisation": page("EVALUATION"),
    "analytics:organisation_report": action("EVALUATION"),
    "analytics:program": page("EVALUATION"),
    "analytics:program_report": action("EVALUATION"),
    "analytics:improvement_add": action(
        "EVALUATION",
        data=lambda o: {
            "finding": "Slow",
            "source": "dashboard",
            "action": "Faster",
            "due_on": _day(9),
            "owner": o["staff"].coordinator,
        },
    ),
    "analytics:improvement_status": action("EVALUATION", data=lambda o: {"status": "done"}),
    # Funding: organisation admins keep grants; coordinators read them and record spending.
    "funding:grants": page("FUNDING_VIEW"),
    "funding:funders": page("FUNDING_MANAGE", data=lambda o: {"name": "Southern Trust"}),
    "funding:grant_new": page("FUNDING_MANAGE"),
    "funding:grant": page("FUNDING_VIEW"),
    "funding:grant_edit": page("FUNDING_MANAGE"),
    "funding:allocation_set": action(
        "FUNDING_MANAGE",
        data=lambda o: {"program": o["program"], "category": "travel", "amount": "500.00"},
    ),
    "funding:deadline_add": action("FUNDING_MANAGE", data=lambda o: {"due_on": _day(20), "what": "Final report"}),
    "funding:deadline_sent": action("FUNDING_MANAGE"),
    "funding:spend_new": page(
        "FUNDING_VIEW",
        data=lambda o: {"program": o["program"], "category": "travel", "spent_on": _day(), "amount": "1.00"},
    ),
    "funding:report_pdf": action("FUNDING_VIEW", data=lambda o: _first_half_of(o["grant"])),
    "funding:report_csv": action("FUNDING_VIEW", data=lambda o: _first_half_of(o["grant"])),
    # Messages: the case's conversations, and what one side asks to pass on to the other.
    "messaging:thread_start": action("CASE_READ"),
    "messaging:thread": page("CASE_WORK", data=lambda o: {"body": "Hello"}),
    "messaging:relay_new": action("CASE_WORK", data=lambda o: {"body": "Please pass this on"}),
    "messaging:attachment": page("CASE_WORK"),
    "messaging:relay": page("CASE_WORK"),
    "messaging:relay_approve": action("RELAYS_MESSAGES"),
    "messaging:relay_edit": action("RELAYS_MESSAGES", data=lambda o: {"text": "Shorter", "note": "x"}),
    "messaging:relay_decline": action("RELAYS_MESSAGES", data=lambda o: {"note": "Not now"}),
    "messaging:relay_answer": action("CASE_WORK", data=lambda o: {"answer": "agree"}),
    "messaging:relay_withdraw": action("CASE_WORK"),
    "messaging:contact": page(
        "CASE_WORK", pk="survivor", data=lambda o: {"channel": "email", "address": "new@mail.example"}
    ),
    "messaging:contact_end": action("CASE_WORK"),
    "messaging:retention": page("SEES_ALL_CASES", pk="program", data=lambda o: {"days": "400"}),
    # The partner directory and data-sharing agreements (partners are in everyone's directory).
    "partners:directory": get_only("PROGRAM_STAFF"),
    "partners:add": page("ORG_ADMIN", data=lambda o: {"name": "New Partner", "htcds_type": "legal_service"}),
    "partners:detail": shared_objects(get_only("PROGRAM_STAFF")),
    "partners:edit": shared_objects(page("ORG_ADMIN")),
    "partners:agreements": get_only("ORG_ADMIN"),
    "partners:agreement_new": page("ORG_ADMIN"),
    "partners:agreement": get_only("ORG_ADMIN"),
    "partners:agreement_edit": page("ORG_ADMIN", pk="draft_agreement"),
    "partners:agreement_document": page("ORG_ADMIN"),
    "partners:agreement_move": action("ORG_ADMIN", data=lambda o: {"to_status": "suspended"}),
    "partners:referral_settings": action("ORG_ADMIN", data=lambda o: {"answer_days": "10"}),
    # Referrals: the sending team; the partner's inbox; the program's inbox of referrals in.
    "referrals:new": page("CASE_WORK"),
    "referrals:preview": get_only("CASE_WORK"),
    "referrals:detail": get_only("CASE_WORK"),
    "referrals:send": action("CASE_WORK"),
    "referrals:move": action("CASE_WORK", data=lambda o: {"to_status": "withdrawn"}),
    "referrals:update": action("CASE_WORK", data=lambda o: {"note": "They called", "on_behalf": "on"}),
    "referrals:packet_pdf": get_only("CASE_WORK"),
    "referrals:inbox": get_only("PARTNER_USERS"),
    "referrals:inbox_referral": get_only("PARTNER_USERS"),
    "referrals:inbox_packet": get_only("PARTNER_USERS"),
    "referrals:inbox_move": action("PARTNER_USERS", data=lambda o: {"to_status": "accepted"}),
    "referrals:inbox_update": action("PARTNER_USERS", data=lambda o: {"note": "Seen them"}),
    "referrals:refer_in": page("PARTNER_USERS"),
    "referrals:incoming": get_only("OPENS_CASES"),
    "referrals:incoming_new": page("OPENS_CASES"),
    "referrals:incoming_detail": get_only("OPENS_CASES"),
    "referrals:incoming_accept": action("OPENS_CASES"),
    "referrals:incoming_decline": action("OPENS_CASES", data=lambda o: {"reason": "not_eligible"}),
    # Participants' access to the portal, given by the case team.
    "portal_staff:invite": action("CASE_WORK", person_pk="survivor", data=lambda o: {"channel": "in_person"}),
    "portal_staff:suspend": action("CASE_WORK", person_pk="survivor"),
    "portal_staff:program": page("SEES_ALL_CASES"),
    "safety:plan_share": action("CASE_WORK", pk="case", data=lambda o: {"shared": "no"}),
    # The participants' portal: their own records only.
    "portal:sign_in": page("PORTAL_PUBLIC"),
    "portal:sign_in_code": page("PORTAL_SECOND_STEP"),
    "portal:sign_out": form("PORTAL_NOT_ALLOWED", "PORTAL_SIGNS_OUT"),
    "portal:manifest": form("PORTAL_PUBLIC", "PORTAL_NOT_ALLOWED"),
    "portal:start": page("PORTAL_PUBLIC"),
    "portal:start_passphrase": page("PORTAL_PUBLIC"),
    "portal:start_factor": page("PORTAL_PUBLIC"),
    "portal:home": get_only("PORTAL"),
    "portal:appointments": get_only("PORTAL"),
    "portal:appointment": get_only("PORTAL", pk="session"),
    "portal:appointment_calendar": get_only("PORTAL", pk="session"),
    "portal:choices": get_only("PORTAL"),
    "portal:choice_give": action("PORTAL"),
    "portal:choice_withdraw": action("PORTAL_SURVIVOR", pk="consent"),
    "portal:questionnaires": get_only("PORTAL"),
    "portal:questionnaire": page("PORTAL_SURVIVOR", pk="assignment"),
    "portal:checkin": page("PORTAL"),
    "portal:agreements": get_only("PORTAL"),
    "portal:agreement": get_only("PORTAL", pk="process"),
    "portal:stop": get_only("PORTAL"),
    "portal:stop_process": page("PORTAL", pk="process"),
    "portal:talk": page("PORTAL"),
    "portal:safety_plan": get_only("PORTAL_SURVIVOR", pk="safety_plan"),
    # Their messages, through reparo.messaging as the participant: each party's own conversation on their case (the
    # responsible person's holds the survivor's words passed on), and what the survivor asked to pass on.
    "portal:messages": get_only("PORTAL"),
    "portal:conversation": page("PORTAL", case_pk="case", data=lambda o: {"body": "Hello"}),
    "portal:message_file": get_only("PORTAL_SURVIVOR", case_pk="case", pk="attachment"),
    "portal:pass_on": page(
        "PORTAL", case_pk="case", data=lambda o: {"process": o["process"], "kind": "letter", "body": "For them"}
    ),
    "portal:relay": get_only("PORTAL_SURVIVOR", case_pk="case", pk="relay"),
    "portal:relay_answer": action("PORTAL_SURVIVOR", case_pk="case", pk="relay", data=lambda o: {"answer": "agree"}),
    "portal:relay_withdraw": action("PORTAL_SURVIVOR", case_pk="case", pk="relay"),
    # The survivor's support circle: its survivor only.
    "portal:circle": get_only("PORTAL_SURVIVOR", pk="support_circle"),
    "portal:circle_progress": action(
        "PORTAL_SURVIVOR", pk="support_circle", progress_pk="progress", data=lambda o: {"answer": "yes"}
    ),
    "portal:circle_end": action("PORTAL_SURVIVOR", pk="support_circle"),
    # The survivor's support circle: staff who work on the case keep it; its volunteers meet, propose progress and
    # raise worries.
    "support:home": page("SIGNED_IN"),
    "support:for_process": page("CASE_WORK", data=lambda o: {"known_as": "Sunny"}),
    "support:detail": page("SUPPORT_CIRCLE"),
    "support:settings": action("CASE_WORK", data=lambda o: {"known_as": "Sunny"}),
    "support:end": action("CASE_WORK"),
    "support:volunteer_add": action(
        "CASE_WORK", data=lambda o: {"user": o["staff"].support_volunteer, "training_hours": "24"}
    ),
    "support:volunteer_update": action("CASE_WORK", data=lambda o: {"training_hours": "30", "active": "on"}),
    "support:partner_add": action(
        "CASE_WORK", data=lambda o: {"organisation": o["partner"], "role_description": "Housing advice"}
    ),
    "support:goal_set": action("CASE_WORK", data=lambda o: {"area": "work", "words": "A job"}),
    "support:goal_update": action("CASE_WORK", data=lambda o: {"words": "A better job"}),
    "support:step_add": action("CASE_WORK", data=lambda o: {"words": "Write a CV"}),
    "support:progress": page("SUPPORT_CIRCLE", data=lambda o: {"kind": "note", "words": "Went well"}),
    "support:answer": action("CASE_WORK", data=lambda o: {"confirmed": "yes"}),
    "support:meeting_record": page("SUPPORT_CIRCLE", data=lambda o: {"held_at": _at(-2)}),
    "support:minutes": page("SUPPORT_CIRCLE", data=lambda o: {"what_was_done": "We met", "next_steps": "Meet"}),
    "support:worry": page("SUPPORT_CIRCLE", data=lambda o: {"level": "soon", "words": "Worried"}),
    "support:worry_seen": action("CASE_WORK"),
    "support:closing": action("CASE_WORK", data=lambda o: {"what_changed": "A lot"}),
    # Outcome releases (privacy-protected statistics) and the exchange of case data in the HTCDS format.
    "releases:index": page("SIGNED_IN"),
    "releases:organisation": page("EVALUATION"),
    "releases:new": page("PUBLISHES_RELEASES"),
    "releases:budget": action("ORG_ADMIN", data=lambda o: {"limit": "5"}),
    "releases:detail": page("EVALUATION"),
    "releases:csv": page("EVALUATION"),
    "releases:pdf": page("EVALUATION"),
    "interop:index": page("SIGNED_IN"),
    "interop:export": page("ORG_ADMIN"),
    "interop:import": page("ORG_ADMIN"),
    # The REST API: a token, never a session. Every actor here has a session (or none): 401, whatever it names.
    # Its schema and reference page describe it and hold no data: public.
    "api:schema": form("PUBLIC", "NOT_ALLOWED"),
    "api:docs": form("PUBLIC", "NOT_ALLOWED"),
    **{
        f"api:{name}": page("API")
        for name in (
            "token",
            "referrals",
            "referral",
            "referral_packet",
            "referral_accept",
            "referral_decline",
            "referral_in_service",
            "referral_completed",
            "programs",
            "incoming",
            "htcds_export",
            "releases",
            "release",
        )
    },
    # The organisation's API tokens: its admins keep them; a partner organisation's, its liaison.
    "api_tokens:index": get_only("SIGNED_IN"),
    "api_tokens:organisation": page(
        "ORG_ADMIN", data=lambda o: {"name": "New system", "scopes": ["htcds:export"], "lifetime_days": "90"}
    ),
    "api_tokens:organisation#partner": page(
        "PARTNER_ADMIN",
        organisation_pk="partner",
        data=lambda o: {"name": "New system", "scopes": ["referrals:read"], "lifetime_days": "90"},
    ),
    "api_tokens:revoke": action("ORG_ADMIN"),
    "api_tokens:revoke#partner": action("PARTNER_ADMIN", pk="partner_api_token"),
    # Field intake pulled from ODK Central: its reviewers (coordinators, organisation admins) see what arrived and
    # take a draft over.
    "interop:field_intake": get_only("SEES_ALL_CASES"),
    "interop:field_intake_take": action("SEES_ALL_CASES"),
    # Background work (reports, exports, imports): the list of one's own jobs, and a job, its owner's alone (in A, an
    # export A's organisation admin made; in B, one the outsider made).
    "jobs:list": get_only("SIGNED_IN"),
    "jobs:detail": get_only("JOB_OWNER"),
    "jobs:status": get_only("JOB_OWNER"),
    "jobs:download": get_only("JOB_OWNER"),
}

# An entry keyed "<url name>?<parameter>" asks the same URL again with a query parameter that names an object; one
# keyed "<url name>#<label>" asks it again about other objects (the responsible person rather than the survivor).

# URLs whose answers the app gets wrong (a leak or an unexpected success) and that could not be fixed safely here:
# the URL name, and what leaks. Their tests are expected to fail; one that starts passing fails the build.

# --- who may read which canary -------------------------------------------------------------------------------------

# A canary's group (tests/matrix/world.py), and the policy whose "ok" actors may read it on their own organisation's
# objects. Another organisation's canaries nobody may read; a staff member's name, its owner may.
CANARY_GROUPS = {
    "case": "CASE_WORK",  # the staff's work on the case: summary, notes, records, reasons
    "parties": "BOTH_PARTIES",  # what the agreement says: also both parties, in the portal
    "survivor": "SURVIVOR_READERS",  # the survivor's identity, contact, plan, words: also the survivor themself
    "respperson": "RESPONSIBLE_READERS",  # the responsible person's identity: also the volunteers and themself
    "responsible": "CASE_READ",  # the responsible-person side's work (CoSA circle, re-offending): also the volunteers
    "supnote": "SUPERVISOR_NOTES",
    "draft": "DRAFT_OWNER",
    "case2": "OTHER_CASE",
    "training": "SUBJECT_OR_MANAGER",  # supervision, observations, conflicts, a suspension
    "reflection": "SUBJECT_OR_ASSESSOR",
    "evaluation": "EVALUATION",
    "staff": "ORG_MEMBER",
    "incoming": "INCOMING_READERS",  # a person referred into the program by the partner
    "funding": "FUNDING_VIEW",
    "circle": "CIRCLE_READERS",  # the survivor's support circle: the chosen name, goals, minutes; also the survivor
    "course": "COURSE_READERS",  # a course's title: the organisation's staff, and the partner it is opened to
    "intake": "SEES_ALL_CASES",  # what could not be read from a submission pulled from ODK Central
}


def may_read(actor: str, canary: Canary, *, own_org: str) -> bool:
    """Whether ``actor`` may read ``canary``; ``own_org`` is the actor's organisation ("B" for the outsider)."""
    user = WORLD.actors[actor] if WORLD else None
    if canary.owner is not None and user is not None and canary.owner == user.pk:
        return True
    if canary.org != own_org or actor in ("anonymous", "password_only"):
        return False
    return actor in canary.shared_with or POLICIES[CANARY_GROUPS[canary.group]][actor] == "ok"


# --- running it ----------------------------------------------------------------------------------------------------

PATTERNS = {p.name: p for p in url_patterns()}
WORLD: MatrixWorld | None = None
SUCCESS = frozenset({"ok", "signed out"})


def pattern_of(key: str) -> Pattern | None:
    return PATTERNS.get(re.split(r"[?#]", key, maxsplit=1)[0])


@dataclass(frozen=True)
class Variant:
    """Which organisation's object each keyword names: "A" (the actors' own), "B" (the outsider's), or one keyword
    of the other organisation's than the rest (a child of B under a parent of A, or the reverse)."""

    name: str
    orgs: dict[str, str]  # keyword -> "A" / "B"
    home: str  # the organisation of the first keyword (whose objects the POST form is built from)


def object_keywords(pattern: Pattern, entry: Entry) -> dict[str, str]:
    """Keyword (of the route, then of the query) -> world object name; LookupError for a keyword nothing names."""
    defaults = OBJECTS.get(pattern.namespace, {}) | BY_URL.get(pattern.name, {})
    names = {}
    for keyword in pattern.kwargs:
        if keyword in entry.fixed:
            continue
        name = entry.objects.get(keyword) or defaults.get(keyword)
        if name is None:
            raise LookupError(f"{pattern.name}: nothing says what <{keyword}> names")
        names[keyword] = name
    return names | {f"?{param}": name for param, name in entry.query.items()}


def variants(keywords: list[str]) -> list[Variant]:
    if not keywords:
        return [Variant("-", {}, "")]
    found = [Variant(org, dict.fromkeys(keywords, org), org) for org in ("A", "B")]
    if len(keywords) > 1:
        for odd in keywords:
            for base, other in (("A", "B"), ("B", "A")):
                orgs = {k: other if k == odd else base for k in keywords}
                found.append(Variant(f"{base}, {odd} of {other}", orgs, orgs[keywords[0]]))
    return found


PARTICIPANTS = frozenset({"participant_survivor", "participant_responsible"})
GATES = frozenset({"login", "2fa", "405", "reauth", "portal login", "401"})  # answers before any object is looked at


def is_portal(key: str) -> bool:
    return key.startswith("portal:")


def gated(key: str, actor: str) -> bool:
    """Whether the sign-in checks turn ``actor`` away from this URL whatever it names: not signed in (or with the
    password only), a participant outside the portal, staff inside it."""
    return actor in ("anonymous", "password_only") or (actor in PARTICIPANTS) != is_portal(key)


def expected(key: str, entry: Entry, method: str, variant: Variant, actor: str) -> str:
    """What ``actor`` must get: the policy's answer on their own organisation's objects; 404 on anything of another
    organisation's (and on a mixed address), unless they are turned away before any object is looked at."""
    policy_name = entry.get if method == "GET" else entry.post
    if policy_name == "405":  # a method the view refuses, to whoever the sign-in checks let through
        if not gated(key, actor):
            return "405"
        if actor == "anonymous":
            return "portal login" if is_portal(key) else "login"
        return "2fa" if actor == "password_only" and not is_portal(key) else "404"
    answer = POLICIES[policy_name][actor]
    if answer in GATES or variant.name == "-" or entry.shared:
        return answer
    own = "B" if actor == "outsider" else "A"
    return answer if set(variant.orgs.values()) == {own} else "404"


def path_for(pattern: Pattern, entry: Entry, variant: Variant, keywords: dict[str, str], world: MatrixWorld) -> str:
    """The URL: the route's keywords filled in, fixed values that are not route keywords sent as its query."""
    kwargs = {k: v for k, v in entry.fixed.items() if k in pattern.kwargs}
    query = {k: v for k, v in entry.fixed.items() if k not in pattern.kwargs}
    for keyword, object_name in keywords.items():
        value = str(world.objects[variant.orgs[keyword]][object_name].pk)
        if keyword.startswith("?"):
            query[keyword[1:]] = value
        else:
            kwargs[keyword] = value
    path = reverse(pattern.name, kwargs=kwargs)
    return f"{path}?{urlencode(query)}" if query else path


def form_data(entry: Entry, objects: dict[str, Any]) -> dict[str, Any]:
    """The form a POST sends, built from ``objects``: model instances become their ids."""
    return {key: _posted(value) for key, value in _form(entry, objects).items()}


def _form(entry: Entry, objects: dict[str, Any]) -> dict[str, Any]:
    return entry.data(objects) if entry.data is not None else {}


def _posted(value: Any) -> Any:
    if isinstance(value, list):
        return [_posted(v) for v in value]
    return str(value.pk) if isinstance(value, Model) else value


def _names_objects(value: Any) -> bool:
    """Whether a form value names an object of one organisation (partner organisations are everyone's to name)."""
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, Model) and not _shared(v) for v in values)


def _shared(obj: Model) -> bool:
    return isinstance(obj, Organisation) and obj.kind == OrganisationKind.PARTNER


def foreign_fields(entry: Entry, own: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """The form's fields that name an object of the organisation addressed (they name another one when the form is
    built from the other organisation's objects)."""
    mine, theirs = _form(entry, own), _form(entry, other)
    return [k for k, v in mine.items() if _names_objects(v) and _posted(v) != _posted(theirs.get(k))]


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    requests: int = 0
    canaries_seen: Counter[str] = field(default_factory=Counter)


RESULTS: dict[str, Report] = {}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The world and one client per actor, built once for the module in a transaction rolled back at its end.

    Three things are made cheaper for the thousands of requests, none of which decides who gets what: the test
    client does not keep a copy of every template context it renders; an outcome dashboard's figures are computed
    once per scope (organisation and programs) — who may see them is still asked on every request, by
    ``scope_for``, and the figures themselves are tested in tests/analytics; and the "not found" page, the same
    page whatever was not found, is rendered in full for each actor's first 404 (and searched for canaries like
    every answer) and as a plain 404 after that."""
    global WORLD
    dashboards: dict[Any, Any] = {}
    compute = analytics_selectors.dashboard

    def dashboard(scope: Any) -> Any:
        key = (scope.organisation.pk, tuple(scope.program_ids), scope.program.pk if scope.program else None)
        if key not in dashboards:
            dashboards[key] = compute(scope)
        return dashboards[key]

    rendered_for: set[Any] = set()

    def page_not_found(request: Any, exception: Any) -> Any:
        user = getattr(request, "user", None)
        if getattr(user, "pk", None) not in rendered_for:
            rendered_for.add(getattr(user, "pk", None))
            return django_defaults.page_not_found(request, exception)
        return HttpResponseNotFound(b"Not found")

    with pytest.MonkeyPatch.context() as patch, django_db_blocker.unblock(), transaction.atomic():
        patch.setattr(test_client, "store_rendered_templates", lambda *args, **kwargs: None)
        patch.setattr(analytics_selectors, "dashboard", dashboard)
        patch.setattr(django_urls, "handler404", page_not_found)
        # Each request's refresh of its session is rolled back with its savepoint, so on a busy machine a run can
        # outlast the idle time-outs: the clients would be signed out half-way, and every later answer be wrong.
        for name in ("SESSION_IDLE_TIMEOUT", "PORTAL_SESSION_IDLE_TIMEOUT"):
            patch.setattr(settings, name, datetime.timedelta(hours=12))
        logging.getLogger("django.request").setLevel(logging.ERROR)  # a 404 or 405 is an answer here, not news
        WORLD = build()
        clients = {actor: client_for(user, two_factor=WORLD.two_factor[actor]) for actor, user in WORLD.actors.items()}
        yield {"world": WORLD, "clients": clients}
        transaction.set_rollback(True)
        logging.getLogger("django.request").setLevel(logging.NOTSET)
        WORLD = None


REPRESENTATIVES = frozenset({"org_admin", "partner_liaison", "participant_survivor", "anonymous", "password_only"})


def check(key: str, world: dict[str, Any]) -> Report:
    """Every actor, every variant, GET and POST (and, for those who may, POST with an empty form) of one entry.

    Those who may post a form whose fields name objects (a person, a participant, a colleague, a program) post it
    again with one of those fields naming the other organisation's object instead: that must change nothing.

    Requests whose answer cannot depend on what they name are asked once: a method the view refuses outright (405,
    before any object is looked at) by one actor of each kind; on another organisation's objects and on mixed
    addresses, a page that does the same whatever the method only by GET, and nothing by an actor the sign-in
    checks turn away; on the actors' own, such a page is posted to by everyone it turns away and by one of those it
    shows itself to. The other organisation's objects are asked by those who pass on their own and by a
    representative of each kind of actor (FOREIGN_ASKERS). A mixed address is asked by actors who pass on their own
    organisation's objects (for anyone else the first lookup already answers 404): see MIXED_ASKERS.

    An empty form is posted once per address, by the first actor who may post the form: it must not be a server
    error."""
    pattern, entry = pattern_of(key), URLS[key]
    assert pattern is not None
    w: MatrixWorld = world["world"]
    if entry.reauth:
        for actor, client in world["clients"].items():
            if w.two_factor[actor]:
                reauthenticated_client(client)
    report = Report()
    keywords = object_keywords(pattern, entry)
    read_only = entry.data is None and entry.get == entry.post
    emptied: set[str] = set()
    first_reader = next((a for a in ACTORS if entry.get != "405" and POLICIES[entry.get][a] == "ok"), "")
    for variant in variants(list(keywords)):
        path = path_for(pattern, entry, variant, keywords, w)
        base = variant.name in ("-", "A")
        for actor in ACTORS:
            if not base and gated(key, actor):
                continue
            client = world["clients"][actor]
            own = "B" if actor == "outsider" else "A"
            objects = w.objects[variant.home or own]
            for method in ("GET", "POST"):
                policy = entry.get if method == "GET" else entry.post
                refused = policy in ("405", "NOT_ALLOWED")
                if refused and actor not in REPRESENTATIVES:
                    continue
                if not base and (refused or (method == "POST" and read_only)):
                    continue
                if method == "POST" and read_only and want_get_ok(entry, actor) and actor != first_reader:
                    continue  # a page that shows the same whatever the method: one reader posts, the others GET
                if variant.name not in ("-", "A", "B") and actor not in mixed_askers(policy):
                    continue
                if variant.name in ("A", "B") and variant.name != own and not foreign_asker(policy, actor):
                    continue
                want = expected(key, entry, method, variant, actor)
                answer = perform(client, method, path, form_data(entry, objects) if method == "POST" else None)
                judge(report, f"{key} [{variant.name}] {actor} {method}", actor, own, want, answer)
                if method == "POST" and want == "ok" and entry.data is not None:
                    if variant.name not in emptied:  # once per address: a form's checks do not depend on who
                        emptied.add(variant.name)
                        empty = perform(client, "POST", path, {})
                        where = f"{key} [{variant.name}] {actor} POST (empty form)"
                        judge(report, where, actor, own, "no server error", empty)
                    other = w.objects["A" if own == "B" else "B"]
                    for name in foreign_fields(entry, objects, other):
                        data = form_data(entry, objects) | {name: _posted(_form(entry, other)[name])}
                        foreign = perform(client, "POST", path, data)
                        where = f"{key} [{variant.name}] {actor} POST ({name} of the other organisation)"
                        judge(report, where, actor, own, "nothing done", foreign)
    return report


# Who asks a mixed address: the actors who pass on their own organisation's objects, one of each way of passing
# (an organisation-wide role, a case-team role, the responsible-person side, a partner, a participant, the outsider
# on his side), or all who pass when none of these does. Whether a child is looked up under its parent does not
# depend on who asks.
MIXED_ASKERS = (
    "org_admin",
    "team_lead_facilitator",
    "team_cosa_volunteer",
    "partner_liaison",
    "participant_survivor",
    "outsider",
)


def mixed_askers(policy: str) -> set[str]:
    passing = {actor for actor in ACTORS if passes(policy, actor)}
    return passing & set(MIXED_ASKERS) or passing


# Who asks for the other organisation's objects: everyone who passes on their own organisation's, and of those the
# checks refuse there, one actor of each kind (and the outsider, the other organisation's own admin). An object of
# another organisation is less one's own than one's own organisation's: a lookup that refuses the second and shows
# the first would have to be built to; the representatives of each kind still ask it.
FOREIGN_ASKERS = REPRESENTATIVES | {"outsider"}


def foreign_asker(policy: str, actor: str) -> bool:
    return actor in FOREIGN_ASKERS or passes(policy, actor)


def want_get_ok(entry: Entry, actor: str) -> bool:
    return entry.get != "405" and POLICIES[entry.get][actor] == "ok"


def passes(policy: str, actor: str) -> bool:
    """Whether ``actor`` gets past the access checks on their own organisation's objects."""
    return policy != "405" and POLICIES[policy][actor] not in GATES | {"404"}


def judge(report: Report, where: str, actor: str, own: str, want: str, answer: Answer) -> None:
    report.requests += 1
    accepted = {want}
    if want == "ok" and "POST" in where:
        accepted.add("refused")  # a form the rules of the app turn down is still a form the actor may send
    if want == "signed out":
        accepted = {"login", "portal login"}
    if want == "nothing done":  # a form naming another organisation's object: any answer but a change or an error
        accepted = {answer.outcome} - {"500"}
    if want == "no server error":  # an empty form, from someone who may send it
        accepted = {answer.outcome} - {"500"}
    if answer.outcome not in accepted:
        detail = f" ({answer.detail})" if answer.detail else ""
        report.failures.append(f"{where}: expected {want}, got {answer.outcome} [{answer.status}]{detail}")
    if want not in SUCCESS | {"no server error"} and answer.writes:
        report.failures.append(f"{where}: turned away, yet wrote to {sorted(set(answer.writes))}")
    assert WORLD is not None
    for canary in WORLD.canaries.found_in(answer.content):
        if may_read(actor, canary, own_org=own):
            report.canaries_seen[f"{canary.org}:{canary.group}"] += 1
        else:
            report.failures.append(f"{where}: leaked {canary.text} ({canary.org}'s {canary.group}) [{answer.outcome}]")
    if DUMP:
        with open(DUMP, "a") as out:
            writes = ",".join(sorted(set(answer.writes)))
            out.write(
                f"{where}|{want}|{answer.outcome}|{answer.status}|{writes}|{answer.detail}|{answer.seconds:.4f}\n"
            )


DUMP = os.environ.get("MATRIX_DUMP", "")

# --- the tests -----------------------------------------------------------------------------------------------------


def test_it_has_one_entry_for_every_url_pattern() -> None:
    missing = sorted(set(PATTERNS) - set(URLS))
    stale = sorted(key for key in URLS if pattern_of(key) is None)
    assert not missing, f"URL patterns with no entry in the authorization table: {missing}"
    assert not stale, f"entries in the authorization table for URL patterns that no longer exist: {stale}"


def test_it_has_a_column_for_every_role() -> None:
    """A new organisation role or case-team role is a new kind of actor: it needs its column (and a user of the
    world who holds it) before the matrix can say what it may do."""
    team_columns = {role for _org_role, role in TEAM_ACTORS.values()}
    assert not set(Role.values) - set(ACTORS), f"roles with no column: {sorted(set(Role.values) - set(ACTORS))}"
    assert not set(TeamRole.values) - team_columns, "case-team roles with no column"


def test_it_can_fill_every_url_pattern() -> None:
    problems = []
    for key, entry in URLS.items():
        pattern = pattern_of(key)
        if pattern is None:
            continue
        try:
            object_keywords(pattern, entry)
        except LookupError as exc:
            problems.append(str(exc))
        unknown = set(entry.objects) - set(pattern.kwargs)
        if unknown:
            problems.append(f"{key}: the entry names keywords the pattern does not have: {sorted(unknown)}")
        for policy in (entry.get, entry.post):
            if policy != "405" and policy not in POLICIES:
                problems.append(f"{key}: no policy called {policy}")
    assert not problems, "\n".join(problems)


def _params() -> list[Any]:
    return [pytest.param(key, id=key) for key in sorted(URLS)]


@pytest.mark.parametrize("key", _params())
def test_it_answers_every_actor_as_the_table_says(key: str, world: dict[str, Any]) -> None:
    if pattern_of(key) is None:
        pytest.fail(f"{key} is not a URL pattern (see test_it_has_one_entry_for_every_url_pattern)")
    report = check(key, world)
    RESULTS[key] = report
    assert not report.failures, f"{len(report.failures)} unexpected answers:\n" + "\n".join(report.failures)


# Canary groups that no page is meant to show (survey and stakeholder comments are kept, not displayed): still
# searched for, but not required to be seen.
NEVER_SHOWN = {"evaluation"}


def test_it_saw_the_canaries_it_looks_for(world: dict[str, Any]) -> None:
    """The canary search can fail: every group of canaries was shown to someone allowed to read it."""
    if set(RESULTS) != set(URLS):
        pytest.skip("runs after the whole table")
    seen: Counter[str] = Counter()
    for report in RESULTS.values():
        seen.update(report.canaries_seen)
    wanted = {f"A:{group}" for group in set(CANARY_GROUPS) - NEVER_SHOWN} | {"B:case", "B:responsible", "B:staff"}
    assert not wanted - set(seen), f"canary groups never seen by anyone allowed to: {sorted(wanted - set(seen))}"
