"""The one capability table: what each kind of actor, each organisation role and each case-team role may do.

An organisation role grants its capabilities in that organisation only; a case-team role grants its team
capabilities on that case only, and counts only while its holder keeps an active role in the case's organisation.
Partner users and participants are kinds of actor of their own: they hold no staff capability, and what they
may see is decided by the lookups built for them.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reparo.accounts.models import Role


class ActorKind(StrEnum):
    ANONYMOUS = "anonymous"
    STAFF = "staff"  # holds at least one role in an organisation that runs a program, or none yet
    PARTNER = "partner"  # holds only partner roles
    PARTICIPANT = "participant"  # a survivor, responsible person, core member or supporter (the portal)
    INTEGRATION = "integration"  # an organisation's API token (reparo.api): holds its scopes, in that organisation


class Capability(StrEnum):
    # Organisation-wide
    VIEW_ORGANISATION = "organisation.view"
    WORK_IN_PROGRAM = "program.work"
    MANAGE_MEMBERS = "members.manage"
    VIEW_AUDIT = "audit.view"
    SEE_ALL_ORG_CASES = "cases.see_all_in_organisation"
    OPEN_CASES = "cases.open"
    CASE_WORK = "cases.case_work"
    ERASE_PEOPLE = "people.erase"
    READ_SUPERVISOR_NOTES = "cases.read_supervisor_notes"
    FACILITATE = "processes.facilitate"
    SIGN_OFF_SCREENINGS = "safety.sign_off"
    VOLUNTEER_IN_COSA = "cosa.volunteer"
    FOLLOW_UP_CIRCLES = "cosa.follow_up"
    # A community volunteer in survivors' support circles: reaches only the circles they serve in, never a case.
    VOLUNTEER_IN_SUPPORT = "support.volunteer"
    VIEW_EVALUATION = "evaluation.view"
    MANAGE_TRAINING = "training.manage"
    MANAGE_FRAMEWORK = "training.manage_framework"
    ISSUE_CERTIFICATIONS = "training.certify"
    SUPERVISE_FACILITATORS = "training.supervise"
    JOIN_PARTNER_TRAINING = "training.join_as_partner"  # a partner's staff: courses opened to their organisation
    VIEW_FUNDING = "funding.view"
    MANAGE_FUNDING = "funding.manage"  # funders, grants, allocations, reporting deadlines
    RECORD_SPEND = "funding.record_spend"
    OVERRIDE_RESTRICTED_SPEND = "funding.override_restricted"  # spend beyond a restricted allocation, with a reason
    MANAGE_PARTNERS = "partners.manage"
    # Partner organisations' staff: the referrals addressed to their organisation, and referring someone in
    RECEIVE_REFERRALS = "referrals.receive"
    REFER_TO_PROGRAMS = "referrals.refer_in"
    PUBLISH_RELEASES = "releases.publish"
    SET_PRIVACY_BUDGET = "releases.budget"
    EXPORT_HTCDS = "htcds.export"
    IMPORT_HTCDS = "htcds.import"
    MANAGE_API_TOKENS = "api.manage_tokens"  # make, list and revoke the organisation's API tokens
    # Submissions of the HTCDS form pulled from ODK Central: see what arrived, and take one over to review as intake
    REVIEW_FIELD_INTAKE = "intake.review_field"
    # On one case, through a case-team role
    WORK_ON_CASE = "case.work"
    SEE_CASE = "case.see"
    MANAGE_CASE_TEAM = "case.manage_team"
    MANAGE_PROCESS_TEAM = "case.manage_process_team"
    FACILITATE_ON_CASE = "case.facilitate"
    MESSAGE_ON_CASE = "case.message"  # read and write the case's conversations (of the side the actor sees)
    RELAY_MESSAGES = "case.relay_messages"  # approve, edit or decline what one side asks to pass on to the other
    MANAGE_PORTAL_ACCESS = "case.manage_portal_access"  # invite a participant to the portal, re-issue, suspend


class TeamRole(models.TextChoices):
    """A staff member's role on one case."""

    LEAD_FACILITATOR = "lead_facilitator", _("Lead facilitator")
    CO_FACILITATOR = "co_facilitator", _("Co-facilitator")
    CASE_WORKER = "case_worker", _("Case worker")
    SUPERVISOR = "supervisor", _("Supervisor")
    COSA_VOLUNTEER = "cosa_volunteer", _("CoSA volunteer (responsible-person side)")


C = Capability
_STAFF = {C.VIEW_ORGANISATION, C.WORK_IN_PROGRAM}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ORG_ADMIN: frozenset(
        _STAFF
        | {
            C.MANAGE_MEMBERS,
            C.VIEW_AUDIT,
            C.SEE_ALL_ORG_CASES,
            C.OPEN_CASES,
            C.CASE_WORK,
            C.ERASE_PEOPLE,
            C.READ_SUPERVISOR_NOTES,
            C.VIEW_EVALUATION,
            C.MANAGE_TRAINING,
            C.MANAGE_FRAMEWORK,
            C.ISSUE_CERTIFICATIONS,
            C.VIEW_FUNDING,
            C.MANAGE_FUNDING,
            C.RECORD_SPEND,
            C.OVERRIDE_RESTRICTED_SPEND,
            C.MANAGE_PARTNERS,
            C.PUBLISH_RELEASES,
            C.SET_PRIVACY_BUDGET,
            C.EXPORT_HTCDS,
            C.IMPORT_HTCDS,
            C.MANAGE_API_TOKENS,
            C.REVIEW_FIELD_INTAKE,
        }
    ),
    Role.COORDINATOR: frozenset(
        _STAFF
        | {
            C.SEE_ALL_ORG_CASES,
            C.OPEN_CASES,
            C.REVIEW_FIELD_INTAKE,
            C.CASE_WORK,
            C.FOLLOW_UP_CIRCLES,
            C.VIEW_EVALUATION,
            C.MANAGE_TRAINING,
            C.VIEW_FUNDING,
            C.RECORD_SPEND,
        }
    ),
    Role.FACILITATOR: frozenset(_STAFF | {C.FACILITATE, C.CASE_WORK}),
    Role.CASE_WORKER: frozenset(_STAFF | {C.OPEN_CASES, C.CASE_WORK}),
    Role.SUPERVISOR: frozenset(
        _STAFF
        | {
            C.FACILITATE,
            C.SIGN_OFF_SCREENINGS,
            C.READ_SUPERVISOR_NOTES,
            C.MANAGE_TRAINING,
            C.ISSUE_CERTIFICATIONS,
            C.SUPERVISE_FACILITATORS,
        }
    ),
    Role.COSA_VOLUNTEER: frozenset(_STAFF | {C.VOLUNTEER_IN_COSA}),
    Role.EVALUATOR: frozenset(_STAFF | {C.VIEW_EVALUATION, C.PUBLISH_RELEASES}),
    # Sees no case at all: each survivor's circle it serves in comes through the support circles' own lookup.
    Role.SUPPORT_VOLUNTEER: frozenset(_STAFF | {C.VOLUNTEER_IN_SUPPORT}),
    # A partner organisation's liaison sees its organisation's page; its liaison and its workers see the referrals
    # addressed to their organisation (through the referral lookup, which checks the organisation), refer people
    # into programs, and join the operators' courses opened to their organisation. Nothing else: no case, no person.
    # The liaison also keeps its organisation's API tokens (its case system's access to the same inbox).
    Role.PARTNER_LIAISON: frozenset(
        {C.VIEW_ORGANISATION, C.RECEIVE_REFERRALS, C.REFER_TO_PROGRAMS, C.JOIN_PARTNER_TRAINING, C.MANAGE_API_TOKENS}
    ),
    Role.PARTNER_WORKER: frozenset({C.RECEIVE_REFERRALS, C.REFER_TO_PROGRAMS, C.JOIN_PARTNER_TRAINING}),
}


class TokenScope(StrEnum):
    """What an organisation's API token may be given (reparo.api). A token acts as its organisation: each scope it
    holds counts as a role in that organisation, granting the capabilities below there and nowhere else."""

    REFERRALS_READ = "referrals:read"
    REFERRALS_WRITE = "referrals:write"
    HTCDS_EXPORT = "htcds:export"
    STATISTICS_READ = "statistics:read"


# What each scope grants in the token's organisation. Reading and writing referrals need the same capabilities (the
# partner's inbox, referring people into programs): the API asks for the write scope before any write.
SCOPE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    TokenScope.REFERRALS_READ: frozenset({C.RECEIVE_REFERRALS, C.REFER_TO_PROGRAMS}),
    TokenScope.REFERRALS_WRITE: frozenset({C.RECEIVE_REFERRALS, C.REFER_TO_PROGRAMS}),
    TokenScope.HTCDS_EXPORT: frozenset({C.EXPORT_HTCDS}),
    TokenScope.STATISTICS_READ: frozenset({C.VIEW_EVALUATION}),
}

# Organisation roles held by partner organisations' staff: an actor holding only these is a partner user.
PARTNER_ROLES = frozenset({Role.PARTNER_LIAISON, Role.PARTNER_WORKER})

# What each case-team role allows on its case.
TEAM_ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    TeamRole.LEAD_FACILITATOR: frozenset(
        {
            C.WORK_ON_CASE,
            C.SEE_CASE,
            C.MANAGE_PROCESS_TEAM,
            C.FACILITATE_ON_CASE,
            C.MESSAGE_ON_CASE,
            C.RELAY_MESSAGES,
            C.MANAGE_PORTAL_ACCESS,
        }
    ),
    TeamRole.CO_FACILITATOR: frozenset(
        {C.WORK_ON_CASE, C.SEE_CASE, C.FACILITATE_ON_CASE, C.MESSAGE_ON_CASE, C.RELAY_MESSAGES, C.MANAGE_PORTAL_ACCESS}
    ),
    TeamRole.CASE_WORKER: frozenset({C.WORK_ON_CASE, C.SEE_CASE, C.MESSAGE_ON_CASE, C.MANAGE_PORTAL_ACCESS}),
    TeamRole.SUPERVISOR: frozenset(
        {
            C.WORK_ON_CASE,
            C.SEE_CASE,
            C.READ_SUPERVISOR_NOTES,
            C.SIGN_OFF_SCREENINGS,
            C.FACILITATE_ON_CASE,
            C.MESSAGE_ON_CASE,
            C.MANAGE_PORTAL_ACCESS,
        }
    ),
    # Supports the responsible person only: never the survivor's side (its conversations included).
    TeamRole.COSA_VOLUNTEER: frozenset({C.SEE_CASE, C.MESSAGE_ON_CASE}),
}

# Organisation-wide capabilities that also give a team capability on every case of the organisation.
ORG_GIVES_ON_EVERY_CASE: dict[Capability, frozenset[Capability]] = {
    C.SEE_ALL_ORG_CASES: frozenset(
        {
            C.WORK_ON_CASE,
            C.SEE_CASE,
            C.MANAGE_CASE_TEAM,
            C.MANAGE_PROCESS_TEAM,
            C.MESSAGE_ON_CASE,
            C.MANAGE_PORTAL_ACCESS,
        }
    ),
    C.READ_SUPERVISOR_NOTES: frozenset({C.READ_SUPERVISOR_NOTES}),
    C.SIGN_OFF_SCREENINGS: frozenset({C.SIGN_OFF_SCREENINGS}),
}

# The organisation capability a staff member needs to be given each case-team role.
TEAM_ROLE_REQUIRES: dict[str, Capability] = {
    TeamRole.LEAD_FACILITATOR: C.FACILITATE,
    TeamRole.CO_FACILITATOR: C.FACILITATE,
    TeamRole.CASE_WORKER: C.CASE_WORK,
    TeamRole.SUPERVISOR: C.SIGN_OFF_SCREENINGS,
    TeamRole.COSA_VOLUNTEER: C.VOLUNTEER_IN_COSA,
}

# What an actor of each kind may do whatever their roles (their own records come through their own lookups).
KIND_CAPABILITIES: dict[ActorKind, frozenset[Capability]] = {
    ActorKind.ANONYMOUS: frozenset(),
    ActorKind.STAFF: frozenset(),  # everything comes from their roles
    ActorKind.PARTNER: frozenset(),  # everything comes from their partner roles
    ActorKind.PARTICIPANT: frozenset(),
    ActorKind.INTEGRATION: frozenset(),  # everything comes from its token's scopes
}


ACTOR_KIND_NOTES: dict[ActorKind, str] = {
    ActorKind.ANONYMOUS: "not signed in, or signed in with the password only (no second factor yet)",
    ActorKind.STAFF: "holds organisation roles (below) and case-team roles",
    ActorKind.PARTNER: "holds partner roles only; sees what was sent to its organisation",
    ActorKind.PARTICIPANT: "a survivor, responsible person, core member or supporter; sees only what is about them",
    ActorKind.INTEGRATION: "an organisation's API token, on a call that presents it (never a session); holds its "
    "scopes (below) in its organisation only",
}


# Roles and token scopes alike: what each grants in its organisation. A scope's name ("referrals:read") can never be a
# membership's role (roles are the choices of reparo.accounts.models.Role, none with a colon).
GRANTS: dict[str, frozenset[Capability]] = {**ROLE_CAPABILITIES, **SCOPE_CAPABILITIES}


def roles_to_give() -> list[tuple[str, str | Promise]]:
    """The organisation roles a staff member may be given (an admin adding someone to their organisation), as
    ``(code, label)`` in the order the roles are declared: every role the table above grants something."""
    return [(role.value, role.label) for role in Role if role in ROLE_CAPABILITIES]


def roles_with(capability: Capability) -> frozenset[str]:
    """The organisation roles (and API token scopes) that grant ``capability``."""
    return frozenset(role for role, caps in GRANTS.items() if capability in caps)


def capabilities_of_roles(roles: set[str] | frozenset[str]) -> frozenset[Capability]:
    return frozenset(cap for role in roles for cap in GRANTS.get(role, frozenset()))


def team_capabilities(team_roles: set[str] | frozenset[str], org_caps: frozenset[Capability]) -> frozenset[Capability]:
    """What the team roles on a case, together with the organisation capabilities in its organisation, allow on it."""
    caps = {cap for role in team_roles for cap in TEAM_ROLE_CAPABILITIES.get(role, frozenset())}
    for org_cap, gives in ORG_GIVES_ON_EVERY_CASE.items():
        if org_cap in org_caps:
            caps |= gives
    return frozenset(caps)


def team_roles_with(capability: Capability) -> list[str]:
    return [role for role, caps in TEAM_ROLE_CAPABILITIES.items() if capability in caps]
