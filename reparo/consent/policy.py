"""The one place that answers "may this be done with this person's data, for this purpose, now?".

Every share, export, message, survey and evaluation use of a person's data asks :func:`may` (or
:func:`require`) right before it happens. Each call reads the database afresh — nothing is cached — so a
withdrawn or expired consent stops the very next use.

    decision = may(person=person, purpose=ConsentPurpose.SHARE, recipient=partner, categories=["contact"])
    if not decision:
        ...  # decision.reason says why, in plain words

    require(person=person, purpose=ConsentPurpose.CONTACT, channel=ContactChannel.SMS)  # raises ConsentRequired

Asking with arguments that do not fit the purpose (a recipient for a contact, no channel for a contact, a
share without categories) is a programming error and raises ``ValueError``: the caller would otherwise
believe a check was made that was not.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from reparo.consent.models import (
    PROCESS_PURPOSES,
    Consent,
    ConsentPurpose,
    ConsentState,
    ContactChannel,
    DataCategory,
    categories_in_words,
    when,
)
from reparo.organisations.models import Organisation
from reparo.people.models import Person

__all__ = ["ConsentDecision", "ConsentRequired", "may", "people_who_may", "require", "shared_categories"]


@dataclass(frozen=True)
class ConsentDecision:
    """The answer: allowed or not, why in plain words, and the consent(s) it rests on when allowed."""

    allowed: bool
    reason: str
    consent: Consent | None = None
    # Every consent the decision rests on (a share may be covered by more than one); ``consent`` is the newest.
    consents: tuple[Consent, ...] = field(default=())

    def __bool__(self) -> bool:
        return self.allowed


class ConsentRequired(PermissionDenied):
    """Raised by :func:`require` when the person has not agreed (or no longer agrees) to what was asked."""

    def __init__(self, decision: ConsentDecision) -> None:
        self.decision = decision
        super().__init__(decision.reason)


def may(
    *,
    person: Person,
    purpose: str,
    recipient: Organisation | None = None,
    process_ref: str | None = None,
    channel: str | None = None,
    categories: Iterable[str] = (),
    at: datetime.datetime | None = None,
) -> ConsentDecision:
    """May ``purpose`` be done with ``person``'s data (for ``recipient`` / ``process_ref`` / ``channel`` /
    ``categories``) at ``at`` (default: now)?

    - ``process`` and ``support_circle``: a consent naming the same ``process_ref``;
    - ``contact``: a consent for the same ``channel``;
    - ``share``: consents for the same ``recipient`` that together cover every requested category;
    - ``evaluation``, ``reporting``, ``relay`` (letters and messages passed on to the other side of a process,
      through the facilitator) and ``portal`` (being contacted through the participant portal): a consent for the
      purpose.

    The consent must have been given by ``at``, and be neither withdrawn nor ended by ``at``. A person whose
    details were erased on request can only be counted in reports that do not identify anyone.
    """
    at = at or timezone.now()
    wanted = _check_question(
        purpose=purpose, recipient=recipient, process_ref=process_ref, channel=channel, categories=categories
    )

    erased_at = Person.objects.filter(pk=person.pk).values_list("erased_at", flat=True).first()
    if erased_at is not None and purpose != ConsentPurpose.REPORTING:
        return ConsentDecision(
            False,
            _(
                "This person's details were erased on request. Their information can only be counted in reports "
                "that do not identify anyone."
            ),
        )

    rows = list(
        Consent.objects.filter(person_id=person.pk, purpose=purpose)
        .select_related("recipient")
        .order_by("-given_at", "-recorded_at")
    )
    if not rows:
        return ConsentDecision(False, _("The person has not agreed to this."))

    if purpose in PROCESS_PURPOSES:
        matching = [c for c in rows if c.process_ref == process_ref]
        if not matching:
            return ConsentDecision(False, _("The person has not agreed to take part in this process."))
    elif purpose == ConsentPurpose.CONTACT:
        matching = [c for c in rows if c.channel == channel]
        if not matching:
            return ConsentDecision(False, _("The person has not agreed to be contacted this way."))
    elif purpose == ConsentPurpose.SHARE:
        matching = [c for c in rows if recipient is not None and c.recipient_id == recipient.pk]
        if not matching:
            return ConsentDecision(
                False,
                _("The person has not agreed to share anything with %(organisation)s.")
                % {"organisation": _name(recipient)},
            )
    else:
        matching = rows

    current = [c for c in matching if c.in_force_at(at)]
    if not current:
        return ConsentDecision(False, _why_not(matching[0], at))

    if purpose != ConsentPurpose.SHARE:
        return ConsentDecision(True, _("The person has agreed to this."), current[0], (current[0],))

    used: list[Consent] = []
    covered: set[str] = set()
    for consent in current:  # newest first
        adds = (set(consent.data_categories or []) & wanted) - covered
        if adds:
            used.append(consent)
            covered |= adds
    missing = wanted - covered
    if missing:
        return ConsentDecision(
            False,
            _("The person has not agreed to share %(categories)s with %(organisation)s.")
            % {"categories": categories_in_words(missing), "organisation": _name(recipient)},
        )
    return ConsentDecision(True, _("The person has agreed to this."), used[0], tuple(used))


def require(
    *,
    person: Person,
    purpose: str,
    recipient: Organisation | None = None,
    process_ref: str | None = None,
    channel: str | None = None,
    categories: Iterable[str] = (),
    at: datetime.datetime | None = None,
) -> ConsentDecision:
    """Like :func:`may`, but raises :class:`ConsentRequired` (a ``PermissionDenied``) when not allowed."""
    decision = may(
        person=person,
        purpose=purpose,
        recipient=recipient,
        process_ref=process_ref,
        channel=channel,
        categories=categories,
        at=at,
    )
    if not decision.allowed:
        raise ConsentRequired(decision)
    return decision


def people_who_may(
    *, purpose: str, at: datetime.datetime | None = None, organisation: Organisation | int | None = None
) -> QuerySet[Person]:
    """The set form of :func:`may` for purposes asked about a person alone (``evaluation``, ``reporting``,
    ``portal``): everyone for whom ``may(person=p, purpose=purpose, at=at)`` is allowed, as one query to filter or
    count many people at once (dashboards, survey sweeps, the case page's portal panel). Same rules as :func:`may`:
    a consent given by ``at``, neither withdrawn nor ended by ``at``; erased people only for ``reporting``. With
    ``organisation``, only its people (and only its consents are read: a small organisation does not pay for the
    largest)."""
    if purpose not in (ConsentPurpose.EVALUATION, ConsentPurpose.REPORTING, ConsentPurpose.PORTAL):
        raise ValueError(f"people_who_may answers only for evaluation, reporting or portal, not {purpose!r}.")
    at = at or timezone.now()
    in_force = Consent.objects.filter(purpose=purpose, given_at__lte=at).filter(
        Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at), Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )
    people = Person.objects.all()
    if organisation is not None:
        in_force = in_force.filter(person__organisation=organisation)
        people = people.filter(organisation=organisation)
    people = people.filter(pk__in=in_force.values("person_id"))
    if purpose != ConsentPurpose.REPORTING:
        people = people.filter(erased_at__isnull=True)
    return people


def shared_categories(
    *,
    people: Iterable[Any] | QuerySet[Any],
    recipient: Organisation,
    categories: Iterable[str],
    at: datetime.datetime | None = None,
) -> dict[Any, frozenset[str]]:
    """The set form of :func:`may` for sharing, one category at a time: for each of ``people`` (person ids, or a
    query of them) whom some category may be shared about, the ``categories`` for which ``may(person=p,
    purpose=share, recipient=recipient, categories=[c])`` is allowed at ``at``; nobody else is in the answer. In one
    query, so that an export of many people does not ask the database once per person and category. Same rules as
    :func:`may`: consents to share with that recipient, given by ``at``, neither withdrawn nor ended by ``at``; nothing
    for an erased person."""
    wanted = _check_question(
        purpose=ConsentPurpose.SHARE, recipient=recipient, process_ref=None, channel=None, categories=categories
    )
    at = at or timezone.now()
    ids = people if isinstance(people, QuerySet) else list(people)
    in_force = Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at), Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    rows = Consent.objects.filter(
        *in_force, purpose=ConsentPurpose.SHARE, recipient_id=recipient.pk, person_id__in=ids, given_at__lte=at,
        person__erased_at__isnull=True,
    ).values_list("person_id", "data_categories")  # fmt: skip
    covered: dict[Any, set[str]] = {}
    for person_id, given in rows.iterator(chunk_size=5000):
        covered.setdefault(person_id, set()).update(set(given or []) & wanted)
    answers: dict[frozenset[str], frozenset[str]] = {}  # one object per distinct answer, however many people
    out = {}
    for person_id, found in covered.items():
        if found:
            key = frozenset(found)
            out[person_id] = answers.setdefault(key, key)
    return out


def _name(organisation: Organisation | None) -> str:
    return organisation.name if organisation is not None else ""


def _why_not(latest: Consent, at: datetime.datetime) -> str:
    """Why the most recent matching consent does not allow this at ``at``, in plain words."""
    state = latest.state_at(at)
    if state == ConsentState.WITHDRAWN and latest.withdrawn_at is not None:
        return _("The person withdrew this agreement on %(date)s.") % {"date": when(latest.withdrawn_at)}
    if state == ConsentState.EXPIRED and latest.expires_at is not None:
        return _("This agreement ended on %(date)s.") % {"date": when(latest.expires_at)}
    return _("The person had not agreed to this yet at that time.")


def _check_question(
    *,
    purpose: str,
    recipient: Organisation | None,
    process_ref: str | None,
    channel: str | None,
    categories: Iterable[str],
) -> set[str]:
    """Refuse questions that do not fit the purpose; return the requested categories."""
    if isinstance(categories, str):
        raise ValueError("categories must be a collection of category codes, not a single string.")
    wanted = set(categories)
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"Unknown consent purpose {purpose!r}.")
    given: dict[str, Any] = {
        "recipient": recipient,
        "process_ref": process_ref,
        "channel": channel,
        "categories": wanted or None,
    }
    needed = {
        ConsentPurpose.PROCESS: {"process_ref"},
        ConsentPurpose.SUPPORT_CIRCLE: {"process_ref"},
        ConsentPurpose.CONTACT: {"channel"},
        ConsentPurpose.SHARE: {"recipient", "categories"},
    }.get(ConsentPurpose(purpose), set())
    missing = sorted(name for name in needed if not given[name])
    extra = sorted(name for name, value in given.items() if value and name not in needed)
    if missing:
        raise ValueError(f"A {purpose!r} consent question needs {', '.join(missing)}.")
    if extra:
        raise ValueError(f"A {purpose!r} consent question does not take {', '.join(extra)}.")
    if channel is not None and channel not in ContactChannel.values:
        raise ValueError(f"Unknown contact channel {channel!r}.")
    unknown = wanted - set(DataCategory.values)
    if unknown:
        raise ValueError(f"Unknown data categories {sorted(unknown)}.")
    return wanted
