"""Background work for accounts (django-tasks): the e-mails that the sign-in pages must not send inside the request.

A password-reset request enqueues :data:`password_reset_send_task` whether or not the address belongs to an
account, so the request does the same work, and takes the same time, either way; the task decides whether there
is anyone to write to. Every change to how someone signs in enqueues :data:`security_notice_send_task`.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from reparo.accounts.forms import InvitationAwarePasswordResetForm

RESET_EMAIL_TEMPLATE = "accounts/email/password_reset.txt"
RESET_SUBJECT_TEMPLATE = "accounts/email/password_reset_subject.txt"


@task()
def password_reset_send_task(email: str, language: str = "") -> None:
    """Send a link to choose a new password to each active account with this address (usually one; none for an
    address that has no account)."""
    site = urlsplit(settings.SITE_URL)
    with translation.override(language or settings.LANGUAGE_CODE):
        form = InvitationAwarePasswordResetForm(data={"email": email})
        if form.is_valid():
            form.save(
                domain_override=site.netloc + site.path.rstrip("/"),
                use_https=site.scheme == "https",
                subject_template_name=RESET_SUBJECT_TEMPLATE,
                email_template_name=RESET_EMAIL_TEMPLATE,
            )


def security_notice_text() -> tuple[str, str]:
    """The notice's subject and body, in the active language. They say only that a security setting changed:
    no name, no program, nothing about what the account is for."""
    subject = _("A security setting has changed")
    body = _(
        "A security setting of your account has just changed.\n\n"
        "If this was you, there is nothing more to do.\n\n"
        "If it was not you, please contact your program straight away."
    )
    return subject, body


@task()
def security_notice_send_task(addresses: list[str], language: str = "") -> int:
    """Send the security notice to each address, one message each (an old and a new address never see each
    other). Returns how many were sent."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, body = security_notice_text()
        for address in addresses:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[address])
    return len(addresses)
