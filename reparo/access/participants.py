"""Whom a participant speaks for: the one answer to "is this actor the person this record is about?".

A participant (``ActorKind.PARTICIPANT``: a survivor, responsible person, core member or supporter using the portal)
holds no staff capability. The few writes they make about themselves (giving or withdrawing a consent, answering a
survey, a distress check-in, stopping a process) are allowed by the services of the apps that own those records only
when :func:`speaks_for` says the actor is the person concerned.

The portal app, which sits above every app that asks, provides the answer when it is ready (its ``AppConfig.ready``):
the person of the actor's portal account, while that account is active and the person's consent to use the portal is
in force. Without the portal app no participant speaks for anyone (fail closed).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reparo.access.actors import actor_kind
from reparo.access.capabilities import ActorKind
from reparo.core import context

_PROVIDED: dict[str, Callable[..., Any]] = {}


def provide(*, person_id_of: Callable[[Any], Any], may_be_told: Callable[..., bool] | None = None) -> None:
    """Called once by the portal app: ``person_id_of(user)`` returns the id of the person a participant account
    speaks for now, or ``None`` (no account, suspended, or no longer agreeing to use the portal);
    ``may_be_told(person, at=...)`` whether a person may be told that something waits for them in the portal."""
    _PROVIDED["person_id_of"] = person_id_of
    if may_be_told is not None:
        _PROVIDED["may_be_told"] = may_be_told


def person_id_of(actor: Any) -> Any:
    """The id of the person ``actor`` speaks for, or ``None`` for anyone who is not an active participant. Read once
    per request."""
    if actor_kind(actor) != ActorKind.PARTICIPANT:
        return None
    resolver = _PROVIDED.get("person_id_of")
    if resolver is None:
        return None
    return context.memo(("access.participant_person", actor.pk), lambda: resolver(actor))


def forget(actor: Any) -> None:
    """Drop the request's copy of whom ``actor`` speaks for (after their access or consent changed)."""
    key = ("access.participant_person", getattr(actor, "pk", None))
    context.memo_forget(lambda k: k == key)


def speaks_for(actor: Any, person: Any) -> bool:
    """Whether ``actor`` is a participant who speaks, now, for ``person`` (an instance or an id)."""
    own = person_id_of(actor)
    return own is not None and str(own) == str(getattr(person, "pk", person))


def may_be_told(person: Any, *, at: Any = None) -> bool:
    """Whether ``person`` may be told (by e-mail or text message) that something is waiting for them in the portal:
    they have portal access that staff have not suspended, and their consent to be contacted through the portal is
    in force. Without the portal app nobody is (fail closed): there would be nothing to sign in to."""
    resolver = _PROVIDED.get("may_be_told")
    return bool(resolver(person, at=at)) if resolver is not None else False
