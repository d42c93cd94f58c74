"""Writes for the portal. Each runs in a transaction with its audit row; audit details hold ids and codes only.

Staff (``Capability.MANAGE_PORTAL_ACCESS`` on the case): :func:`invitation_issue` (invite, or re-issue), and
:func:`access_suspend`. Anyone with an invitation code: :func:`invitation_open`, :func:`setup_passphrase`,
:func:`setup_complete`. A signed-in participant acts only about themselves, through the services of the apps that own
the records (the consent ledger, safety, processes, evaluation), which ask :mod:`reparo.access.participants` whether
the actor is the person concerned; :func:`callback_request` is the portal's own.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.access import participants
from reparo.access.actors import user_can
from reparo.access.capabilities import Capability
from reparo.accounts import lockout
from reparo.accounts import services as account_services
from reparo.accounts.models import AccountType, User
from reparo.audit.services import audit_record, audit_record_for
from reparo.cases.models import Case, CaseTeamMember, TeamRole
from reparo.cases.selectors import case_get_for
from reparo.cases.services import task_generate
from reparo.consent import services as consent_services
from reparo.consent.models import Consent, ConsentMethod, ConsentPurpose, WithdrawalVia
from reparo.consent.policy import may
from reparo.core.once import AlreadyDone
from reparo.evaluation import services as evaluation_services
from reparo.evaluation.models import SurveyAssignment, SurveyResponse
from reparo.messaging import services as messaging_services
from reparo.messaging.actors import ParticipantActor
from reparo.messaging.models import Message
from reparo.organisations.models import Program
from reparo.people.models import CODE_ALPHABET, Person
from reparo.portal import selectors
from reparo.portal.models import (
    AccessStatus,
    CallbackRequest,
    Invitation,
    InvitationChannel,
    PortalAccount,
    ProgramPortalSettings,
)
from reparo.processes import services as process_services
from reparo.processes.models import Process, ProcessParticipant, Session
from reparo.safety import services as safety_services
from reparo.safety.gate import process_consent_ref
from reparo.safety.models import DistressCheckIn, SafetyPlan
from reparo.support import services as support_services
from reparo.support.models import Progress, RecordedVia, SupportCircle

# A participant's sign-in name is kept as ``<name>@<this>`` in the account's e-mail column: a reserved domain that no
# message can ever reach (RFC 2606), so nothing is ever sent to it.
PARTICIPANT_DOMAIN = "participants.reparo.invalid"
SIGN_IN_NAME_LENGTH = 8
SETUP_LABEL = "portal: set-up with an invitation code"
CODE_LENGTH = 12  # Crockford base 32: 60 bits
PRINTED_CODE_COUNT = 10
PRINTED_DEVICE_NAME = "printed"
# Words a neutral portal name must not contain (English and Spanish, compared without case): the name is seen on
# a phone's home screen, in page titles and as the sender of e-mails.
REVEALING_WORDS = (
    "traffick", "trata", "victim", "víctim", "survivor", "superviv", "sobreviv", "offend", "ofensor", "agresor",
    "abuse", "abuso", "exploit", "explota", "restorativ", "restaurativ", "justice", "justicia", "crime", "crimen",
    "delito", "mediat", "mediaci", "harm", "daño", "prison", "prisión", "court", "tribunal", "police", "policía",
)  # fmt: skip


# --- names and codes ----------------------------------------------------------------------------------------------


LOOK_ALIKES = str.maketrans("OIL", "011")


def _random(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _normalise(text: str) -> str:
    """Upper case, without spaces or dashes; Crockford's look-alikes read as the digits they look like."""
    cleaned = "".join(ch for ch in str(text or "").upper() if ch.isalnum())
    return cleaned.translate(LOOK_ALIKES)


def _grouped(text: str) -> str:
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def sign_in_email(name: str) -> str:
    """The account e-mail column for the sign-in name a participant typed (any case, with or without dashes)."""
    return f"{_normalise(name).lower()}@{PARTICIPANT_DOMAIN}"


def sign_in_name_of(user: Any) -> str:
    """The sign-in name, as the participant reads and types it (``K7Q2-MX4P``)."""
    return _grouped(str(user.email).split("@", 1)[0].upper())


def code_digest(code: str) -> str:
    """The keyed digest an invitation code is kept as (HMAC-SHA256 with the secret key): never the code itself."""
    return salted_hmac("reparo.portal.invitation", _normalise(code), algorithm="sha256").hexdigest()


def _new_sign_in_email() -> str:
    while True:
        email = sign_in_email(_random(SIGN_IN_NAME_LENGTH))
        if not User.objects.filter(email=email).exists():
            return email


# --- staff: invite, re-issue, suspend -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    """What the staff member hands over, shown once: the sign-in name, the code, until when, and (if asked for) the
    printed list of one-time codes."""

    invitation: Invitation
    sign_in_name: str
    code: str
    printed_codes: list[str] = field(default_factory=list)
    emailed: bool = False


def _case_for_portal(actor: Any, case: Case) -> Case:
    return case_get_for(actor, case.pk, need=Capability.MANAGE_PORTAL_ACCESS)


def _end_access(user: User) -> None:
    """The account stops working at once: every session ends on its next request, the passphrase and the second
    factors stop working."""
    user.is_active = False
    user.session_generation += 1
    user.set_unusable_password()
    user.save(update_fields=["is_active", "session_generation", "password"])
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    participants.forget(user)


def _revoke_open_invitations(account: PortalAccount, at: datetime.datetime) -> int:
    count = 0
    for invitation in Invitation.objects.select_for_update().filter(
        account=account, used_at__isnull=True, revoked_at__isnull=True
    ):
        invitation.revoked_at = at
        invitation.save(update_fields=["revoked_at", "updated_at"])
        count += 1
    return count


@transaction.atomic
def invitation_issue(
    *, actor: Any, case: Case, person: Person, channel: str, printed_codes: bool = False
) -> IssuedInvitation:
    """Invite ``person`` (the survivor, the responsible person or a supporter on ``case``) to the portal, or re-issue
    their invitation. Only with their consent to be contacted through the portal in force; an invitation sent other
    than in person only by a way of contact they agreed to. A re-issue replaces earlier codes and ends the current
    access until the new code is used (a lost phone or a forgotten passphrase is dealt with this way)."""
    case = _case_for_portal(actor, case)
    participant = selectors.invitable_in(case, person.pk)
    person = participant.person
    if person.erased_at is not None:
        raise ValidationError(_("This person's details were erased on request."))
    decision = may(person=person, purpose=ConsentPurpose.PORTAL)
    if not decision:
        raise ValidationError(
            _("First record the person's agreement to be contacted through the portal. %(why)s")
            % {"why": decision.reason}
        )
    if channel not in InvitationChannel.values:
        raise ValidationError({"channel": _("Choose how the code will reach the person.")})
    if channel != InvitationChannel.IN_PERSON:
        contact = may(person=person, purpose=ConsentPurpose.CONTACT, channel=channel)
        if not contact:
            raise ValidationError({"channel": _("The person has not agreed to be contacted this way.")})
        if channel == InvitationChannel.EMAIL and not person.email:
            raise ValidationError({"channel": _("There is no e-mail address for this person.")})
    now = timezone.now()
    # One invitation at a time for a person (two at once would both make their first account).
    Person.objects.select_for_update().filter(pk=person.pk).first()
    account = PortalAccount.objects.select_for_update(of=("self",)).filter(person=person).select_related("user").first()
    reissue = account is not None
    if account is None:
        user = User.objects.create_user(
            _new_sign_in_email(), None, account_type=AccountType.PARTICIPANT, is_active=False
        )
        account = PortalAccount.objects.create(person=person, user=user, case=case, status_changed_at=now,
                                               status_changed_by=actor)  # fmt: skip
    else:
        user = User.objects.select_for_update().get(pk=account.user_id)
        _revoke_open_invitations(account, now)
        _end_access(user)
        account.status = AccessStatus.INVITED
        account.status_changed_at, account.status_changed_by = now, actor
        account.save(update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"])
    codes: list[str] = []
    if printed_codes:
        device = StaticDevice.objects.create(user=user, name=PRINTED_DEVICE_NAME, confirmed=False)
        codes = [StaticToken.random_token() for _i in range(PRINTED_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    code = _random(CODE_LENGTH)
    invitation = Invitation.objects.create(
        account=account, code_digest=code_digest(code), channel=channel, printed_codes=printed_codes,
        issued_by=actor, expires_at=now + settings.PORTAL_INVITATION_TTL,
    )  # fmt: skip
    audit_record_for(actor, "portal.reissued" if reissue else "portal.invited", account, case.organisation,
           case=str(case.pk), person=str(person.pk), channel=channel, printed_codes=printed_codes)  # fmt: skip
    issued = IssuedInvitation(invitation, sign_in_name_of(user), _grouped(code), codes)
    if channel == InvitationChannel.EMAIL:
        _send_invitation_email(person=person, program=account.case.program, issued=issued)
        issued = IssuedInvitation(invitation, issued.sign_in_name, issued.code, codes, emailed=True)
    return issued


def _send_invitation_email(*, person: Person, program: Program, issued: IssuedInvitation) -> None:
    """A neutral e-mail, sent once the invitation is committed: the portal's name as sender, no name, no case, no
    program; in the person's language when it is one the portal speaks."""
    address = str(person.email)
    languages = [code for code in (person.languages or []) if code in dict(settings.LANGUAGES)]
    language = languages[0] if languages else (translation.get_language() or settings.LANGUAGE_CODE)
    with translation.override(language):
        name = selectors.portal_name(program)
        subject = _("Your code")
        body = _(
            "Your sign-in name is %(name)s and your code is %(code)s.\n\nEnter them at %(link)s before %(date)s.\n\n"
            "If you were not expecting this message, you can ignore it."
        ) % {
            "name": issued.sign_in_name,
            "code": issued.code,
            "link": settings.SITE_URL + reverse("portal:start"),
            "date": formats.date_format(timezone.localtime(issued.invitation.expires_at), "DATE_FORMAT"),
        }
    sender = formataddr((str(name), parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"))
    transaction.on_commit(lambda: send_mail(subject=subject, message=body, from_email=sender, recipient_list=[address]))


@transaction.atomic
def access_suspend(*, actor: Any, case: Case, person: Person) -> PortalAccount:
    """End a participant's access at once (any open invitation too): refused from their next request. Staff
    re-issue an invitation to give it back."""
    case = _case_for_portal(actor, case)
    participant = selectors.invitable_in(case, person.pk)
    account = PortalAccount.objects.select_for_update().filter(person=participant.person).first()
    if account is None:
        raise ValidationError(_("This person has not been invited to the portal."))
    if account.status == AccessStatus.SUSPENDED:
        raise AlreadyDone(_("This person's access is already suspended. Nothing has changed."), result=account)
    now = timezone.now()
    user = User.objects.select_for_update().get(pk=account.user_id)
    _revoke_open_invitations(account, now)
    _end_access(user)
    account.status = AccessStatus.SUSPENDED
    account.status_changed_at, account.status_changed_by = now, actor
    account.save(update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"])
    audit_record_for(
        actor, "portal.suspended", account, case.organisation, case=str(case.pk), person=str(account.person_id)
    )
    return account


@transaction.atomic
def portal_settings_set(*, actor: Any, program: Program, name: str) -> ProgramPortalSettings:
    """A program's neutral name for the portal (coordinators and organisation admins)."""
    if not user_can(actor, Capability.SEE_ALL_ORG_CASES, organisation=program.organisation_id):
        raise PermissionDenied
    name = " ".join(str(name or "").split())
    if len(name) > 40:
        raise ValidationError({"name": _("Keep the name to 40 characters or fewer.")})
    lowered = name.lower()
    if any(word in lowered for word in REVEALING_WORDS):
        raise ValidationError({"name": _("Choose a name that says nothing about the program or why people use it.")})
    chosen, _created = ProgramPortalSettings.objects.update_or_create(program=program, defaults={"name": name})
    audit_record_for(actor, "portal.settings_changed", chosen, program.organisation, program=program.pk)
    return chosen


# --- an invitation code: set a passphrase and a second factor -------------------------------------------------------


def invitation_usable(invitation_id: Any, *, at: datetime.datetime | None = None) -> Invitation | None:
    """The invitation, if it still works: not used, not replaced, not expired, and its account not suspended since."""
    at = at or timezone.now()
    return (
        Invitation.objects.filter(
            pk=invitation_id,
            used_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=at,
            account__status=AccessStatus.INVITED,
        )
        .select_related("account__user", "account__person", "account__case__program")
        .first()
    )


def _code_username(request: HttpRequest) -> str:
    """What lock-out counts failed codes under: the client address (an unknown code names no account), so that
    guessing locks the address, and one person's typing never locks anyone else's code."""
    return f"portal-code:{lockout.client_ip(request)}"


def invitation_locked(request: HttpRequest) -> bool:
    return lockout.is_locked(request, username=_code_username(request))


@transaction.atomic
def invitation_open(*, request: HttpRequest, code: str) -> Invitation | None:
    """The invitation whose code was typed, if it still works; otherwise ``None``, counted as a failed attempt
    (django-axes locks the address after as many failures as a sign-in). An expired, used or replaced code is
    answered exactly as a wrong one."""
    found = Invitation.objects.filter(code_digest=code_digest(code)).values_list("pk", flat=True).first()
    invitation = invitation_usable(found) if found else None
    if invitation is None:
        lockout.failure_record(request, username=_code_username(request))
        audit_record(actor=None, action="portal.code_refused", actor_label=SETUP_LABEL)
        return None
    audit_record_for(
        None,
        "portal.code_accepted",
        invitation.account,
        invitation.account.person.organisation,
        system_label=SETUP_LABEL,
    )
    return invitation


@transaction.atomic
def setup_passphrase(*, invitation: Invitation, passphrase: str) -> None:
    """Set the passphrase the participant chose (the account still cannot sign in until the second factor is
    confirmed). Raises ``ValidationError`` in plain words for one that is too short or too common."""
    user = User.objects.select_for_update().get(pk=invitation.account.user_id)
    password_validation.validate_password(passphrase, user)
    user.set_password(passphrase)
    user.save(update_fields=["password"])
    audit_record_for(
        None,
        "portal.passphrase_set",
        invitation.account,
        invitation.account.person.organisation,
        system_label=SETUP_LABEL,
    )


def setup_app_device(*, invitation: Invitation) -> TOTPDevice:
    """The authenticator-app device being set up (made on first visit)."""
    return account_services.totp_device_for_enrolment(user=invitation.account.user)


def printed_codes_waiting(invitation: Invitation) -> bool:
    return StaticDevice.objects.filter(
        user_id=invitation.account.user_id, name=PRINTED_DEVICE_NAME, confirmed=False
    ).exists()


@transaction.atomic
def setup_complete(*, request: HttpRequest, invitation: Invitation, method: str, token: str) -> bool:
    """Confirm the second factor the participant chose with a first code (``app``: the authenticator app's current
    code; ``printed``: one code of the printed list, which it uses up). On success the invitation is used, the
    account is active, and the participant is signed in with both factors. A wrong code counts towards lock-out;
    while locked out, every code is refused unread."""
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None or invitation_usable(locked.pk) is None:
        return False
    account = locked.account
    user = User.objects.select_for_update().get(pk=account.user_id)
    if not user.has_usable_password() or sign_in_locked(request=request, user=user):
        return False
    cleaned = "".join(str(token or "").split()).replace("-", "").lower()
    device: Any
    if method == "app":
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-id").first()
    elif method == "printed":
        device = (
            StaticDevice.objects.select_for_update()
            .filter(user=user, name=PRINTED_DEVICE_NAME, confirmed=False)
            .first()
        )
    else:
        device = None
    if device is None or not device.verify_token(cleaned):
        lockout.failure_record(request, username=user.email)
        audit_record_for(
            None,
            "portal.second_factor_refused",
            account,
            account.person.organisation,
            system_label=SETUP_LABEL,
            method=method,
        )
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # The factor not chosen is not kept: an unconfirmed app, or a printed list the person did not take up.
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    StaticDevice.objects.filter(user=user, confirmed=False).delete()
    now = timezone.now()
    locked.used_at = now
    locked.save(update_fields=["used_at", "updated_at"])
    user.is_active = True
    user.save(update_fields=["is_active"])
    account.status = AccessStatus.ACTIVE
    account.status_changed_at, account.status_changed_by = now, None
    account.save(update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"])
    account_services.user_sign_in(request=request, user=user)
    otp_login(request, device)
    request.session.cycle_key()
    lockout.failures_forget(username=user.email)
    participants.forget(user)
    audit_record_for(user, "portal.activated", account, account.person.organisation, method=method)
    return True


# --- signing in ---------------------------------------------------------------------------------------------------


def sign_in_locked(*, request: HttpRequest, user: User) -> bool:
    """Whether the participant's sign-in name, or this request's address, is locked out now: then no code is even
    looked at, the right one included (wrong codes lock as wrong passphrases do, and the lock holds for the second
    step too, not only for the passphrase)."""
    return lockout.is_locked(request, username=user.email)


@transaction.atomic
def sign_in_code(*, request: HttpRequest, user: User, token: str) -> bool:
    """The second step of a participant's sign-in: a code from their authenticator app or printed list. A wrong
    code counts towards lock-out, as a wrong passphrase does; while locked out, every code is refused unread."""
    if sign_in_locked(request=request, user=user):
        return False
    if account_services.two_factor_verify(request=request, user=user, token=token):
        return True
    lockout.failure_record(request, username=user.email)
    return False


# --- what a participant does about themselves -----------------------------------------------------------------------


def _own_person(actor: Any) -> Person:
    account = selectors.account_of(actor)
    if account is None:
        raise PermissionDenied
    return account.person


@transaction.atomic
def consent_give(*, actor: Any, offer: str) -> Consent:
    """Agree, in one step, to one of the things :func:`reparo.portal.selectors.consent_offers_for` offers: recorded
    in the consent ledger as given by the person themself, online, from now. Agreeing to what is in force already
    (the same button pressed twice) records nothing and raises :class:`reparo.core.once.AlreadyDone`."""
    account = selectors.account_of(actor)
    if account is None:
        raise PermissionDenied
    # One agreement at a time (a double tap sends two): the second waits here, then finds the first one in force.
    PortalAccount.objects.select_for_update().filter(pk=account.pk).first()
    person = account.person
    in_force = selectors.consent_offer_in_force(actor, offer)
    if in_force is not None:
        raise AlreadyDone(_("You have already agreed to this. Nothing has changed."), result=in_force)
    chosen = next((o for o in selectors.consent_offers_for(actor) if o.code == offer), None)
    if chosen is None:
        raise ValidationError(_("That choice is no longer open. Nothing has changed."))
    kwargs: dict[str, Any] = {}
    if chosen.purpose in (ConsentPurpose.PROCESS, ConsentPurpose.SUPPORT_CIRCLE) and chosen.process is not None:
        kwargs = {"case": chosen.process.case, "process_ref": process_consent_ref(chosen.process),
                  "process_label": str(chosen.process.get_type_display())}  # fmt: skip
    elif chosen.purpose == ConsentPurpose.CONTACT:
        kwargs = {"channel": chosen.channel}
    elif chosen.purpose == ConsentPurpose.SHARE and chosen.basis is not None:
        kwargs = {"case": chosen.basis.case, "recipient": chosen.basis.recipient,
                  "data_categories": list(chosen.basis.data_categories or [])}  # fmt: skip
    return consent_services.consent_record(
        actor=actor, person=person, purpose=chosen.purpose, method=ConsentMethod.SELF_SERVICE,
        given_at=timezone.now(), **kwargs,
    )  # fmt: skip


def consent_withdraw(*, actor: Any, consent: Consent) -> Consent:
    """Withdraw one of the participant's own consents, in one step, effective at once. Withdrawing the consent to
    be contacted through the portal ends their access to it from the next page."""
    withdrawn = consent_services.consent_withdraw(actor=actor, consent=consent, via=WithdrawalVia.SELF_SERVICE)
    participants.forget(actor)
    return withdrawn


def checkin_record(
    *, actor: Any, process: Process, moment: str, rating: int, session: Session | None = None, submission: str = ""
) -> DistressCheckIn:
    """A distress check-in the participant records about themself before or after a session: the same pause rule,
    notices and task as one recorded by staff (:func:`reparo.safety.services.distress_record`). The same form sent
    twice (``submission``, its one-time token) records once."""
    person = _own_person(actor)
    return safety_services.distress_record(
        actor=actor, process=process, person=person, moment=moment, rating=rating, session=session,
        submission=submission,
    )  # fmt: skip


def process_stop(*, actor: Any, participant: ProcessParticipant) -> ProcessParticipant:
    """The participant's "I want to stop": exactly the staff-recorded withdrawal
    (:func:`reparo.processes.services.participant_withdraw`), with no reason asked. Stopping the support circle formed
    around them is ending it (:func:`circle_end`)."""
    circle = selectors.circles_of(actor).filter(process_id=participant.process_id).first()
    if circle is not None:
        circle_end(actor=actor, circle=circle)
        participant.refresh_from_db()
        return participant
    return process_services.participant_withdraw(actor=actor, participant=participant)


# --- messages: through reparo.messaging, as a ParticipantActor -------------------------------------------------------


@transaction.atomic
def message_write(
    *, actor: ParticipantActor, body: str, files: Iterable[tuple[str, bytes]] = (), submission: str = ""
) -> Message:
    """The participant writes to their team on their case (``actor`` from
    :func:`reparo.portal.selectors.messaging_actor`): their conversation is made the first time, and kept only if the
    message is (:func:`reparo.messaging.services.message_post` checks the text and the files, and sends the same
    form, ``submission`` its one-time token, once)."""
    thread = messaging_services.participant_thread(actor=actor)
    return messaging_services.message_post(actor=actor, thread=thread, body=body, files=files, submission=submission)


# --- the survivor's support circle: through reparo.support, as the survivor -----------------------------------------


@transaction.atomic
def circle_viewed(*, actor: Any, circle: SupportCircle) -> None:
    """Record that the survivor opened their own circle's page (its goals, their words)."""
    audit_record_for(
        actor, "support.circle_viewed", circle, circle.process.case.organisation, circle=str(circle.pk),
        by="survivor",
    )  # fmt: skip


def circle_progress_answer(*, actor: Any, progress: Progress, confirmed: bool) -> Progress:
    """The survivor confirms progress on one of their goals, or says "not yet": only a confirmation makes it count
    (:func:`reparo.support.services.progress_answer`, recorded as given by the survivor themself)."""
    return support_services.progress_answer(
        actor=actor, progress=progress, confirmed=confirmed, via=RecordedVia.SELF_SERVICE
    )


def circle_end(*, actor: Any, circle: SupportCircle) -> SupportCircle:
    """The survivor ends their circle in one step, no reason asked (:func:`reparo.support.services.support_circle_end`:
    the same effects as when staff record it)."""
    return support_services.support_circle_end(actor=actor, circle=circle)


def survey_answer(
    *, actor: Any, assignment: SurveyAssignment, answers: Mapping[str, int | None], language: str, comment: str = ""
) -> SurveyResponse:
    """The participant's own answers to a questionnaire, scored exactly as a staff interview is
    (:func:`reparo.evaluation.services.survey_complete`); refused without their evaluation consent in force."""
    return evaluation_services.survey_complete(
        actor=actor, assignment=assignment, answers=answers, collected_on=timezone.localdate(), language=language,
        comment=comment,
    )  # fmt: skip


@transaction.atomic
def callback_request(*, actor: Any) -> CallbackRequest:
    """ "I'd like to talk to someone": a task for the team to call the participant back, on their case (the one they
    were invited from while it is open, else another open case of theirs). One open request at a time: asking again
    while one is open changes nothing."""
    account = selectors.account_of(actor)
    if account is None:
        raise PermissionDenied
    # One asking at a time (a double tap sends two): the second waits here and finds the first one's request.
    PortalAccount.objects.select_for_update().filter(pk=account.pk).first()
    open_cases = selectors.open_cases_of(actor)
    case = open_cases.filter(pk=account.case_id).first() or open_cases.order_by("-updated_at").first()
    if case is None:
        raise ValidationError(_("There is no open case to ask on. Please contact your program directly."))
    waiting = CallbackRequest.objects.filter(account=account, task__done_at__isnull=True, task__isnull=False).first()
    if waiting is not None:
        return waiting
    team = CaseTeamMember.objects.filter(case=case).select_related("user").order_by("created_at")
    by_role = {role: [m.user for m in team if m.role == role] for role in TeamRole.values}
    owner = next(
        iter(by_role[TeamRole.LEAD_FACILITATOR] + by_role[TeamRole.CASE_WORKER] + by_role[TeamRole.SUPERVISOR]), None
    )
    task = task_generate(
        case_id=case.pk,
        message=gettext_noop("Call back %(code)s: they asked to talk to someone."),
        params={"code": account.person.display_code},
        owner_id=owner.pk if owner else None,
        due_date=timezone.localdate(),
    )
    request = CallbackRequest.objects.create(account=account, case=case, task=task)
    audit_record_for(actor, "portal.callback_requested", request, case.organisation, case=str(case.pk))
    return request


@transaction.atomic
def safety_plan_read(*, actor: Any, plan: SafetyPlan) -> None:
    """Record that the survivor opened their own shared safety plan."""
    audit_record(actor=actor, action="safety.plan_viewed", obj=plan, organisation=plan.case.organisation,
                 purpose="portal", detail={"version": plan.version})  # fmt: skip


@transaction.atomic
def participant_ready_for_demo(*, invitation: Invitation, sign_in_name: str, passphrase: str, key_hex: str) -> User:
    """Development only (``seed_demo``): the invited participant as after their set-up, with a fixed sign-in name,
    the demo passphrase and an authenticator app with ``key_hex``."""
    from reparo.core.environment import refuse_outside_development

    refuse_outside_development()
    account = PortalAccount.objects.select_for_update().get(pk=invitation.account_id)
    user = User.objects.select_for_update().get(pk=account.user_id)
    user.email = sign_in_email(sign_in_name)
    user.set_password(passphrase)
    user.is_active = True
    user.save(update_fields=["email", "password", "is_active"])
    TOTPDevice.objects.filter(user=user).delete()
    TOTPDevice.objects.create(user=user, name=_("Authenticator app"), key=key_hex, confirmed=True)
    Invitation.objects.filter(pk=invitation.pk).update(used_at=timezone.now())
    account.status = AccessStatus.ACTIVE
    account.status_changed_at = timezone.now()
    account.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record_for(
        None, "portal.activated", account, account.person.organisation, system_label=SETUP_LABEL, method="demo"
    )
    return user
