"""Session limits and the two-factor requirement, enforced for every request."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.middleware import OTPMiddleware as BaseOTPMiddleware

from reparo.accounts import access_cache
from reparo.accounts.services import AUTH_STARTED_KEY, LAST_SEEN_KEY, REAUTH_AT_KEY
from reparo.core import context


def before_two_factor(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as reachable after the password but before the second factor (enrolment, verify)."""
    view.reparo_before_two_factor = True  # type: ignore[attr-defined]
    return view


def reauth_recent(request: HttpRequest) -> bool:
    """Whether this session confirmed the password and a second factor again within ``REAUTH_MAX_AGE``."""
    at = request.session.get(REAUTH_AT_KEY)
    if not isinstance(at, (int, float)):
        return False
    age = time.time() - at
    return 0 <= age <= settings.REAUTH_MAX_AGE.total_seconds()


def reauth_redirect(request: HttpRequest) -> HttpResponse:
    """To the re-authentication page, which comes back here (a POST comes back as a GET of the same address)."""
    query = urlencode({"next": request.get_full_path()})
    return _redirect(request, f"{reverse('accounts:reauth')}?{query}")


def reauth_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that changes how the account signs in: it runs only within ``REAUTH_MAX_AGE`` of the session
    confirming the password and a second factor again (``accounts:reauth``); otherwise it sends the person there
    first."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not reauth_recent(request):
            return reauth_redirect(request)
        return view(request, *args, **kwargs)  # type: ignore[no-any-return]

    return wrapped


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # Read from the header: these middlewares run before django-htmx's sets ``request.htmx``. An htmx request is
    # told where to go (HX-Redirect) rather than redirected, which would put the sign-in page inside the page.
    if getattr(request, "htmx", False) or request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


LAST_SEEN_RESOLUTION = 30  # seconds
# Sent by a page that asks by itself (a job's progress, every two seconds): not a sign that anyone is there, so it
# does not keep the session from its idle time-out.
POLL_HEADER = "X-Reparo-Poll"


def _is_participant(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_participant", False))


def _login_url(participant: bool) -> str:
    return resolve_url(settings.PORTAL_LOGIN_URL if participant else settings.LOGIN_URL)


class SessionLimitsMiddleware:
    """Ends a signed-in session after 30 idle minutes or 12 hours in all; a participant's (the portal) sooner:
    after ``PORTAL_SESSION_IDLE_TIMEOUT`` idle or ``PORTAL_SESSION_ABSOLUTE_TIMEOUT`` in all."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(AUTH_STARTED_KEY)
            last_seen = request.session.get(LAST_SEEN_KEY, started)
            participant = _is_participant(request.user)
            if participant:
                idle = settings.PORTAL_SESSION_IDLE_TIMEOUT.total_seconds()
                absolute = settings.PORTAL_SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            else:
                idle = settings.SESSION_IDLE_TIMEOUT.total_seconds()
                absolute = settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if started is None or last_seen is None or now - last_seen > idle or now - started > absolute:
                logout(request)
                messages.info(request, _("You were signed out to keep things private. Please sign in again."))
                return _redirect(request, _login_url(participant))
            if now - last_seen > LAST_SEEN_RESOLUTION and not request.headers.get(POLL_HEADER):
                # The idle clock counts in minutes: writing the session on every page would cost a database
                # write per request for no gain.
                request.session[LAST_SEEN_KEY] = now
        elif SESSION_KEY in request.session:
            # A session whose account is gone or deactivated: end it for good.
            request.session.flush()
        return self.get_response(request)


class RequireTwoFactorMiddleware:
    """Default deny: a view is reachable only signed in with both factors, unless marked otherwise.

    Staff and participants are kept apart: a participant's session reaches only the portal's views (marked
    ``for_participants``) and public ones; a staff session never reaches the portal's views. Either way the answer
    is 404, as for anything that is not there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        view = getattr(view_func, "view_class", view_func)
        user = request.user
        portal_view = _marked(view_func, view, "reparo_participant")
        participant = _is_participant(user)
        if portal_view and user.is_authenticated and not participant:
            raise Http404  # staff do not use the portal as themselves
        if _marked(view_func, view, "reparo_public"):
            return None
        if not user.is_authenticated:
            query = urlencode({"next": request.get_full_path()})
            return _redirect(request, f"{_login_url(portal_view)}?{query}")
        if participant and not portal_view:
            raise Http404  # a participant never reaches the staff side
        if not user.requires_two_factor or user.is_verified():  # type: ignore[union-attr]
            return None
        if _marked(view_func, view, "reparo_before_two_factor"):
            return None
        if participant:
            return _redirect(request, resolve_url(settings.PORTAL_TWO_FACTOR_URL))
        from django_otp import devices_for_user

        enrolled = any(True for _d in devices_for_user(user, confirmed=True))
        target = "accounts:two_factor_verify" if enrolled else "accounts:two_factor_setup"
        return _redirect(request, reverse(target))


def _marked(view_func: Any, view: Any, mark: str) -> bool:
    return bool(getattr(view_func, mark, False) or getattr(view, mark, False))


class OTPMiddleware(BaseOTPMiddleware):
    """django-otp's middleware (``request.user.otp_device``, ``is_verified()``), except that a page that changes
    nothing checks the device that verified the session against its process's kept copy of who owns it and whether
    it is confirmed (:mod:`reparo.accounts.access_cache`: any change to a device counts on the next request), and
    reads the device itself only if something uses it."""

    def _verify_user_sync(self, request: HttpRequest, user: Any) -> Any:
        if getattr(user, "access_stamp", None) is None or not context.current().reads_only:
            return super()._verify_user_sync(request, user)
        self._init_user_fields(user)
        persistent_id = request.session.get(DEVICE_ID_SESSION_KEY)
        if not persistent_id:
            return user
        owner = access_cache.shared(user, ("otp_device", persistent_id), lambda: self._confirmed_owner(persistent_id))
        if owner == user.pk:
            user.otp_device = SimpleLazyObject(functools.partial(self._device_from_persistent_id, persistent_id))
        else:
            del request.session[DEVICE_ID_SESSION_KEY]  # as django-otp does for a device gone or not this user's
        return user

    def _confirmed_owner(self, persistent_id: str) -> Any:
        device = self._device_from_persistent_id(persistent_id)
        return device.user_id if device is not None and device.confirmed else None
