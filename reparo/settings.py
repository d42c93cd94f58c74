"""Reparo settings.

All configuration comes from environment variables (see docs/configuration.md). ``REPARO_ENV``
chooses ``development``, ``test`` or ``production`` (the default). Outside development and test a
missing secret, key or allowed host stops start-up with a message naming the variable.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from reparo import config

BASE_DIR = Path(__file__).resolve().parent.parent
REPARO_ENV = config.environment()
DEVELOPMENT = REPARO_ENV == config.DEVELOPMENT
TESTING = REPARO_ENV == config.TEST
PRODUCTION = REPARO_ENV == config.PRODUCTION

# Development-only defaults. They are public (they are in this file), so they are refused outside
# development and test by ``config.require``.
_DEV_SECRET_KEY = "dev-only-insecure-secret-key-5d1f0c9e7a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e"  # noqa: S105 - development/test only
_DEV_FIELD_KEYS = "dev1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="
_DEV_BLIND_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyLWJ5dGVz"

SECRET_KEY = config.require("SECRET_KEY", default=_DEV_SECRET_KEY)
SECRET_KEY_FALLBACKS = config.as_list(config.read("SECRET_KEY_FALLBACKS"))
DEBUG = DEVELOPMENT and config.read_bool("DEBUG", default=True)

ALLOWED_HOSTS = config.as_list(config.read("ALLOWED_HOSTS"))
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise config.ConfigurationError(
            "ALLOWED_HOSTS is not set. Set ALLOWED_HOSTS to the comma-separated host names Reparo serves; "
            "see docs/configuration.md."
        )
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
CSRF_TRUSTED_ORIGINS = config.as_list(config.read("CSRF_TRUSTED_ORIGINS"))
# Reverse proxies whose X-Forwarded-For names the client (reparo/core/proxy.py, applied by reparo/wsgi.py): addresses
# or networks, comma-separated. Empty: REMOTE_ADDR is the connecting peer's address.
TRUSTED_PROXIES = config.as_list(config.read("TRUSTED_PROXIES"))
try:
    from reparo.core.proxy import parse_networks

    parse_networks(TRUSTED_PROXIES)
except ValueError as exc:
    raise config.ConfigurationError(
        f"TRUSTED_PROXIES holds something that is not an address or network: {exc}."
    ) from None
# The address people use to reach Reparo, for links in e-mails (no trailing slash).
SITE_URL = config.require("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Field encryption (AES-GCM) keys: "id:base64key,id:base64key"; the last one encrypts, all decrypt.
FIELD_ENCRYPTION_KEYS = config.parse_keyring(
    "FIELD_ENCRYPTION_KEYS", config.require("FIELD_ENCRYPTION_KEYS", default=_DEV_FIELD_KEYS)
)
# Keyed HMAC for blind indexes (exact-match search over encrypted values).
BLIND_INDEX_KEY = config.parse_secret_bytes(
    "BLIND_INDEX_KEY", config.require("BLIND_INDEX_KEY", default=_DEV_BLIND_INDEX_KEY)
)

# Outside development and test, the public development values above are refused even when given explicitly: anyone
# can read them here. ALLOW_PUBLIC_DEVELOPMENT_KEYS lets the load test (bench/loadtest.py) serve the synthetic
# benchmark data, which was encrypted under the development keys, with the production settings; never set it for
# real data. It never allows the development SECRET_KEY.
if PRODUCTION:
    if _DEV_SECRET_KEY in (SECRET_KEY, *SECRET_KEY_FALLBACKS):
        raise config.ConfigurationError(
            "SECRET_KEY (or SECRET_KEY_FALLBACKS) holds the public development key. Generate a new one; see "
            "docs/configuration.md."
        )
    _public = [
        name
        for name, public in (
            (
                "FIELD_ENCRYPTION_KEYS",
                set(config.parse_keyring("dev", _DEV_FIELD_KEYS).values()) & set(FIELD_ENCRYPTION_KEYS.values()),
            ),
            ("BLIND_INDEX_KEY", config.parse_secret_bytes("dev", _DEV_BLIND_INDEX_KEY) == BLIND_INDEX_KEY),
        )
        if public
    ]
    if _public and not config.read_bool("ALLOW_PUBLIC_DEVELOPMENT_KEYS"):
        raise config.ConfigurationError(
            f"{' and '.join(_public)} hold(s) a public development key, which encrypts nothing anyone could not read. "
            "Generate new keys; see docs/configuration.md."
        )

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "django_htmx",
    "reparo.core",
    "reparo.audit",
    "reparo.accounts",
    "reparo.access",
    "reparo.organisations",
    "reparo.jobs",
    "reparo.people",
    "reparo.cases",
    "reparo.consent",
    "reparo.processes",
    "reparo.agreements",
    "reparo.cosa",
    "reparo.safety",
    "reparo.evaluation",
    "reparo.training",
    "reparo.analytics",
    "reparo.funding",
    "reparo.messaging",
    "reparo.referrals",
    "reparo.portal",
    "reparo.support",
    "reparo.releases",
    "reparo.interop",
    "reparo.api",
    "reparo.demo",
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
]


def _hours(name: str, default: int, *, most: int) -> int:
    value = (config.read(name) or str(default)).strip()
    if not value.isdigit() or not 1 <= int(value) <= most:
        raise config.ConfigurationError(f"{name} must be a whole number of hours from 1 to {most}, not {value!r}.")
    return int(value)


# Background work (django-tasks): the database backend, run by `manage.py db_worker` (password-reset links and
# security notices are sent by it, so production needs a worker running). In development tasks run at once, inside
# the request, so `make run` prints those e-mails without a worker.
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"
        if DEVELOPMENT
        else "django_tasks_db.DatabaseBackend"
    }
}

# Long work (reports, exports, imports) runs as a job on the task worker (reparo.jobs). A finished job's file is
# kept this many hours, then removed by `manage.py jobs_clean` (run it hourly); a job still waiting after
# JOB_QUEUED_HOURS, or running after JOB_RUNNING_HOURS, is marked as failed by the same command.
JOB_KEEP_HOURS = _hours("JOB_KEEP_HOURS", 24, most=24 * 7)
JOB_QUEUED_HOURS = _hours("JOB_QUEUED_HOURS", 24, most=24 * 7)
JOB_RUNNING_HOURS = _hours("JOB_RUNNING_HOURS", 6, most=24 * 7)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "reparo.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reparo.accounts.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "reparo.accounts.middleware.SessionLimitsMiddleware",
    "reparo.accounts.middleware.RequireTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "reparo.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    # Under /api/, an error answered outside the API's views becomes problem details too.
    "reparo.api.problems.ApiProblemMiddleware",
    # Last, so that every other middleware's checks run before a view it hands to the replica.
    "reparo.core.routers.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "reparo.urls"
FORM_RENDERER = "reparo.core.form_renderer.LeanFormRenderer"
WSGI_APPLICATION = "reparo.wsgi.application"
ASGI_APPLICATION = "reparo.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reparo.core.context_processors.shell",
                "reparo.access.context_processors.navigation",
            ],
            # urls: {% url %} with each view's URL reversed once a process (decision 0095)
            "builtins": [
                "reparo.core.templatetags.fields",
                "reparo.core.templatetags.help",
                "reparo.core.templatetags.urls",
            ],
        },
    }
]


def _whole_number(name: str, default: int) -> int:
    value = config.read(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise config.ConfigurationError(f"{name} must be a whole number, not {value!r}.") from None


def _database(url: str) -> dict[str, Any]:
    """One database alias from its URL, with the connection settings every alias shares (docs/deployment.md):
    persistent connections (``DATABASE_CONN_MAX_AGE``) or a connection pool per process
    (``DATABASE_POOL_MAX_SIZE``, PostgreSQL only), and a statement time-out (``DATABASE_STATEMENT_TIMEOUT``)."""
    pool_max = _whole_number("DATABASE_POOL_MAX_SIZE", 0)
    conn_max_age = _whole_number("DATABASE_CONN_MAX_AGE", 0)
    database: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=conn_max_age))
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.postgresql":
        # Reparo's queries are short and indexed; JIT compilation would only add to them.
        server_options = ["-c jit=off"]
        statement_timeout = _whole_number("DATABASE_STATEMENT_TIMEOUT", 0)
        if statement_timeout:
            server_options.append(f"-c statement_timeout={statement_timeout}s")
        options.setdefault("options", " ".join(server_options))
        if config.read_bool("DATABASE_PGBOUNCER"):
            # pgbouncer in transaction pooling mode: a server-side cursor (QuerySet.iterator()) would outlive the
            # transaction that opened it on a server connection another client may have by then.
            database["DISABLE_SERVER_SIDE_CURSORS"] = True
        if pool_max:
            if conn_max_age:
                raise config.ConfigurationError(
                    "DATABASE_POOL_MAX_SIZE and DATABASE_CONN_MAX_AGE cannot both be set: a pooled connection goes "
                    "back to the pool after each request. Choose one; see docs/deployment.md."
                )
            pool_min = _whole_number("DATABASE_POOL_MIN_SIZE", min(2, pool_max))
            if not 0 <= pool_min <= pool_max:
                raise config.ConfigurationError("DATABASE_POOL_MIN_SIZE must be between 0 and DATABASE_POOL_MAX_SIZE.")
            options["pool"] = {
                "min_size": pool_min,
                "max_size": pool_max,
                # Seconds a request waits for a free connection before it fails (and the page says so).
                "timeout": _whole_number("DATABASE_POOL_TIMEOUT", 10),
                "max_idle": 300,
            }
    elif database["ENGINE"] == "django.db.backends.sqlite3":
        if pool_max:
            raise config.ConfigurationError("DATABASE_POOL_MAX_SIZE works only with PostgreSQL.")
        options.update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    return database


DATABASES = {
    "default": _database(
        config.require("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'reparo.sqlite3'}"),
    )
}
# A read replica for dashboards and exports (reparo.core.routers): used only by code that asks for it
# (``reparo.core.routers.replica_reads``: an export task wraps its reading in it) and by the views named in
# REPLICA_READ_VIEWS (GET and HEAD only); everything else, and every write, goes to ``default``. See docs/scaling.md
# for the replication it needs.
_replica_url = config.read("DATABASE_REPLICA_URL")
if _replica_url:
    DATABASES["replica"] = _database(_replica_url)
DATABASE_ROUTERS = ["reparo.core.routers.ReplicaRouter"]
# (The PDF reports are made by the task worker, whose job reads from the replica: reparo.analytics.background.)
REPLICA_READ_VIEWS = [
    "analytics:organisation",
    "analytics:program",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "reparo.accounts.backends.UserBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:index"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions: idle timeout 30 minutes, absolute limit 12 hours (enforced by SessionLimitsMiddleware).
SESSION_ENGINE = "reparo.core.sessions"  # Django's database sessions (decision 0095)
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "reparo_session"
CSRF_COOKIE_NAME = "reparo_csrf"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "reparo.core.views.csrf_failure"


# The participants' portal (reparo.portal): its own sign-in, a shorter idle time-out, no "remember me".
PORTAL_LOGIN_URL = "portal:sign_in"
PORTAL_TWO_FACTOR_URL = "portal:sign_in_code"
PORTAL_SESSION_IDLE_TIMEOUT = timedelta(minutes=_whole_number("PORTAL_IDLE_MINUTES", 10))
PORTAL_SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=2)
# How long an invitation code works, and the portal's name where no program has chosen one (empty: "Appointments",
# in the reader's language). A program's own name is set on its portal settings page.
PORTAL_INVITATION_TTL = timedelta(days=_whole_number("PORTAL_INVITATION_DAYS", 7))
PORTAL_NAME = config.read("PORTAL_NAME") or ""
if not timedelta(minutes=1) <= PORTAL_SESSION_IDLE_TIMEOUT < SESSION_IDLE_TIMEOUT:
    raise config.ConfigurationError("PORTAL_IDLE_MINUTES must be between 1 and 29 (shorter than staff's 30 minutes).")
if not timedelta(days=1) <= PORTAL_INVITATION_TTL <= timedelta(days=60):
    raise config.ConfigurationError("PORTAL_INVITATION_DAYS must be between 1 and 60.")

# Lock-out (django-axes): 5 failures lock the account name, and separately the client address, for
# 30 minutes. The address is REMOTE_ADDR only, so a forged X-Forwarded-For changes nothing. A completed sign-in
# (both factors) clears that account's failures (reparo.accounts.lockout.failures_forget); django-axes' own
# AXES_RESET_ON_SUCCESS stays off, as it would clear them at the password alone, and with them the address's
# failures against other accounts.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "reparo.accounts.lockout.username_from_request"
AXES_CLIENT_IP_CALLABLE = "reparo.accounts.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "reparo.accounts.lockout.lockout_response"
AXES_VERBOSE = False
# Fields whose values django-axes must not copy into its record of a failed attempt (it always masks "password").
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "token", "csrfmiddlewaretoken"]

# The REST API for partner systems (reparo.api): tokens only (no session), JSON only, errors as problem details.
# Each view sets its own authentication, scope check and rate limit; these are the defaults for anything else.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "reparo.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reparo API",
    "DESCRIPTION": (
        "For partner organisations' systems and integrations. Each call presents an organisation's API token "
        "(Authorization: Bearer rpt_…) and acts as that organisation, with the token's scopes: it sees what the "
        "organisation's people see on the pages, and nothing else. Errors are problem details (RFC 9457)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReferralStatusEnum": "reparo.referrals.models.ReferralStatus",
        "IncomingStatusEnum": "reparo.referrals.models.IncomingStatus",
        "OrganisationKindEnum": "reparo.organisations.models.OrganisationKind",
    },
    "DISABLE_ERRORS_AND_WARNINGS": False,
}
# Calls per token per minute (counted in the database, so every process agrees).
API_RATE_LIMIT_PER_MINUTE = _whole_number("API_RATE_LIMIT_PER_MINUTE", 120)

# Changing how one signs in (password, authenticator apps, backup codes) asks for the password and a current code
# again unless that was done within this long in the same session.
REAUTH_MAX_AGE = timedelta(minutes=5)

# Password-reset requests: at most this many per address, and per client address, in each window. Counted in the
# database (accounts.RateLimitWindow), so every process agrees.
PASSWORD_RESET_LIMIT_PER_ADDRESS = 3
PASSWORD_RESET_LIMIT_PER_CLIENT = 10
PASSWORD_RESET_LIMIT_WINDOW = timedelta(hours=1)

OTP_TOTP_ISSUER = "Reparo"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("fr", _("French")), ("ar", _("Arabic"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "reparo_language"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = config.read("TIME_ZONE") or "UTC"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["reparo.formats"]  # one date format on every page, per language

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(config.read("STATIC_ROOT") or BASE_DIR / "staticfiles")

# Where the quick-exit control sends people: a neutral, everyday site.
QUICK_EXIT_URL = config.read("QUICK_EXIT_URL") or "https://www.bbc.co.uk/weather"
if not (QUICK_EXIT_URL.startswith(("https://", "http://")) or QUICK_EXIT_URL == "about:blank"):
    raise config.ConfigurationError("QUICK_EXIT_URL must be an http(s) address (or about:blank).")

_quick_exit_origin = "/".join(QUICK_EXIT_URL.split("/")[:3]) if QUICK_EXIT_URL.startswith("http") else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF] + ([_quick_exit_origin] if _quick_exit_origin else []),
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_SSL_REDIRECT = config.read_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(config.read("SECURE_HSTS_SECONDS") or 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = config.read_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    if config.read_bool("TRUST_X_FORWARDED_PROTO"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# E-mail: SMTP in production (the variables below), the console under `make run`, kept in memory in tests.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = config.read("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(config.read("EMAIL_PORT") or 25)
EMAIL_HOST_USER = config.read("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = config.read("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = config.read_bool("EMAIL_USE_TLS", default=PRODUCTION)
DEFAULT_FROM_EMAIL = config.read("DEFAULT_FROM_EMAIL") or "Reparo <no-reply@localhost>"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour

# Telling participants that something is waiting (reparo.messaging.notifications): from a neutral sender with no
# display name (by default the address of DEFAULT_FROM_EMAIL alone), at most once per window per person, at a random
# moment inside it. Text messages go through SMS_BACKEND, a class the operator provides for their provider (see
# reparo/messaging/sms.py); without one, no text message is offered or sent. Development and tests log them instead.
NOTIFICATION_FROM_EMAIL = (
    config.read("NOTIFICATION_FROM_EMAIL") or parseaddr(DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
)
_notification_window = (config.read("NOTIFICATION_WINDOW_MINUTES") or "240").strip()
if not _notification_window.isdigit() or not 1 <= int(_notification_window) <= 7 * 24 * 60:
    raise config.ConfigurationError(
        "NOTIFICATION_WINDOW_MINUTES must be a whole number of minutes from 1 to 10080 (a week); "
        "see docs/configuration.md."
    )
NOTIFICATION_WINDOW = timedelta(minutes=int(_notification_window))
SMS_BACKEND = config.read("SMS_BACKEND") or ("" if PRODUCTION else "reparo.messaging.sms.LoggingSmsBackend")

# Field intake: new submissions of the HTCDS form pulled from an ODK Central project (``manage.py odk_pull``), or
# None when the ODK_CENTRAL_* variables are not set. See docs/configuration.md.
ODK_CENTRAL = config.odk_central()


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": config.read("LOG_LEVEL") or "INFO"},
    "loggers": {"axes": {"level": "WARNING"}},
}
