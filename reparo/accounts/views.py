from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import devices_for_user

from reparo.accounts import services
from reparo.accounts.forms import EnrolForm, InvitationAwarePasswordResetForm, SignInForm, TokenForm
from reparo.accounts.middleware import before_two_factor
from reparo.core.decorators import public


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


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
    user = request.user
    if any(True for _d in devices_for_user(user, confirmed=True)) and not user.is_verified():  # type: ignore[union-attr]
        # Someone with only the password must not be able to add a device.
        return redirect("accounts:two_factor_verify")
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.two_factor_enrol_confirm(request=request, user=user, token=form.cleaned_data["token"])  # type: ignore[arg-type]
        if codes is not None:
            return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": True})
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
    return render(
        request,
        "accounts/security.html",
        {"backup_codes_remaining": services.backup_codes_remaining(user=user)},  # type: ignore[arg-type]
    )


@require_POST
def backup_codes_regenerate(request: HttpRequest) -> HttpResponse:
    codes = services.backup_codes_regenerate(user=request.user)  # type: ignore[arg-type]
    return render(request, "accounts/backup_codes.html", {"codes": codes, "first_time": False})


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.user_sign_out_everywhere(request=request, user=request.user)  # type: ignore[arg-type]
    messages.info(request, _("You have been signed out on every device."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


class PasswordChange(auth_views.PasswordChangeView):
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
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


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
