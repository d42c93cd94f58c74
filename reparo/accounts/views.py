from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user

from reparo.accounts import lockout, selectors, services
from reparo.accounts.forms import EnrolForm, InvitationAwarePasswordResetForm, ReauthForm, SignInForm, TokenForm
from reparo.accounts.middleware import before_two_factor, reauth_recent, reauth_redirect, reauth_required
from reparo.core.decorators import public


def _safe_next(request: HttpRequest, default: str = settings.LOGIN_REDIRECT_URL) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(default)


@public
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated and request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_safe_next(request))
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.user_sign_in(request=request, user=form.get_user())  # type: ignore[arg-type]
        request.session["reparo_next"] = _safe_next(request)
        return redirect("accounts:two_factor_verify")
    return render(request, "accounts/sign_in.html", {"form": form, "next": request.GET.get("next", "")})


@before_two_factor
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return redirect(request.session.pop("reparo_next", None) or settings.LOGIN_REDIRECT_URL)
    if not any(True for _d in devices_for_user(user, confirmed=True)):
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.two_factor_verify(request=request, user=user, token=form.cleaned_data["token"]):  # type: ignore[arg-type]
            return redirect(request.session.pop("reparo_next", None) or settings.LOGIN_REDIRECT_URL)
        form.add_error("token", _("That code did not work. Codes change every 30 seconds and work once."))
    return render(request, "accounts/two_factor_verify.html", {"form": form})


@before_two_factor
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """First enrolment during sign-in; or, for an account that already has an app, adding another one, which asks
    for a recent re-authentication."""
    user = request.user
    if any(True for _d in devices_for_user(user, confirmed=True)):
        if not user.is_verified():  # type: ignore[union-attr]
            # Someone with only the password must not be able to add a device.
            return redirect("accounts:two_factor_verify")
        if not reauth_recent(request):
            return reauth_redirect(request)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_enrol_confirm(request=request, user=user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        if codes:
            return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": True})
        if codes is not None:
            messages.success(
                request, _("Your new authenticator app is ready. You can use it the next time you sign in.")
            )
            return redirect("accounts:security")
        form.add_error("token", _("That code did not work. Check the time on your phone and try the new code."))
    device = services.totp_device_for_enrolment(user=user)  # type: ignore[arg-type]
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=4, dark="#1b1f24", light="#ffffff", omitsize=False),
            "secret": _group(_base32(device.bin_key)),
        },
    )


def _base32(key: bytes) -> str:
    import base64

    return base64.b32encode(key).decode("ascii").rstrip("=")


def _group(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@public
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.user_sign_out(request=request)
    messages.info(request, _("You have signed out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    authenticators = selectors.authenticators_of(user)
    return render(
        request,
        "accounts/security.html",
        {
            "backup_codes_remaining": services.backup_codes_remaining(user=user),  # type: ignore[arg-type]
            "authenticators": authenticators,
            "can_remove_authenticator": len(authenticators) > 1,
            "activity": selectors.security_activity_for(user),
        },
    )


@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Ask for the password and a current code again, then go on to ``next`` (a change to how one signs in)."""
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = services.user_reauthenticate(
            request=request,
            user=request.user,  # type: ignore[arg-type]
            password=form.cleaned_data["password"],
            token=form.cleaned_data["token"],
        )
        if confirmed:
            return redirect(_safe_next(request, default="accounts:security"))
        if lockout.locked_out(request):
            return lockout.lockout_response(request)
        form.add_error(
            None, _("That did not work. Check your password, and use a new code: each code works only once.")
        )
    return render(request, "accounts/reauth.html", {"form": form, "next": _safe_next(request, "accounts:security")})


@require_http_methods(["GET", "POST"])
@reauth_required
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return render(
            request,
            "accounts/confirm.html",
            {
                "heading": _("Make new backup codes"),
                "text": _("You will get ten new backup codes. Your old codes will stop working."),
                "button": _("Make new backup codes"),
            },
        )
    codes = services.backup_codes_regenerate(user=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": False})


@require_http_methods(["GET", "POST"])
@reauth_required
def authenticator_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method == "GET":
        selectors.authenticator_get_for(request.user, pk)
        return render(
            request,
            "accounts/confirm.html",
            {
                "heading": _("Remove an authenticator app"),
                "text": _("Codes from that app will stop working. Your other authenticator apps keep working."),
                "button": _("Remove"),
            },
        )
    try:
        services.two_factor_device_remove(user=request.user, device_id=pk)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The authenticator app has been removed."))
    return redirect("accounts:security")


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.user_sign_out_everywhere(request=request, user=request.user)  # type: ignore[arg-type]
    messages.info(request, _("You have been signed out on every device."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@method_decorator(reauth_required, name="dispatch")
class PasswordChange(auth_views.PasswordChangeView):
    """A new password, chosen within ``REAUTH_MAX_AGE`` of confirming the current one and a code (so the form does
    not ask for the current password again: a check outside the lock-out count would let a stolen session guess
    it)."""

    form_class = SetPasswordForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form: Any) -> HttpResponse:
        user = services.password_set(form=form, how="changed")
        update_session_auth_hash(self.request, user)  # this session stays; every other one ends
        messages.success(self.request, _("Your password has been changed. Other devices have been signed out."))
        return HttpResponseRedirect(self.get_success_url())


@public
class PasswordReset(auth_views.PasswordResetView):
    form_class = InvitationAwarePasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: Any) -> HttpResponse:
        # The e-mail, if there is an account to write to, is sent by a background task; within the limits the
        # request enqueues that task for any address, and beyond them nothing. The answer is the same every time.
        services.password_reset_request(email=form.cleaned_data["email"], client=lockout.client_ip(self.request))
        return HttpResponseRedirect(self.get_success_url())


@public
class PasswordResetDone(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


@public
class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Sets a new password. It never signs in: the second factor is still asked at sign-in."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form: Any) -> HttpResponse:
        services.password_set(form=form, how="reset")
        self.request.session.pop(auth_views.INTERNAL_RESET_SESSION_TOKEN, None)
        return HttpResponseRedirect(self.get_success_url())


@public
class PasswordResetComplete(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
