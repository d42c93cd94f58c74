"""E-mail and notification settings: SMTP in production, console in development, locmem in tests; a neutral sender;
no text messages without a provider; a window that cannot be read stops start-up."""

from django.conf import settings

from tests.core.test_settings import PRODUCTION, run_manage

SHOW = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.NOTIFICATION_FROM_EMAIL, repr(s.SMS_BACKEND))"


def test_it_keeps_test_e_mail_in_memory():
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"


def test_it_sends_over_smtp_from_a_neutral_sender_and_no_sms_in_production():
    result = run_manage(
        {**PRODUCTION, "DEFAULT_FROM_EMAIL": "Reparo RJ <no-reply@rj.example.org>"}, "shell", "--no-imports", "-c", SHOW
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.mail.backends.smtp.EmailBackend", "no-reply@rj.example.org", "''"]


def test_it_writes_development_e_mail_to_the_console():
    result = run_manage({"REPARO_ENV": "development"}, "shell", "--no-imports", "-c", SHOW)
    assert result.stdout.split()[0] == "django.core.mail.backends.console.EmailBackend"


def test_it_refuses_a_window_it_cannot_read():
    for value in ("0", "four hours", "-5", "99999"):
        result = run_manage({**PRODUCTION, "NOTIFICATION_WINDOW_MINUTES": value}, "check")
        assert result.returncode != 0 and "NOTIFICATION_WINDOW_MINUTES" in result.stderr
