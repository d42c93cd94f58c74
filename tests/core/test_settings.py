"""Settings fail closed: outside development a missing secret, key or host stops start-up."""

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
PRODUCTION = {
    "REPARO_ENV": "production",
    "SECRET_KEY": "prod-" + "x7Kq9!vR2#mW5^tZ8&bN1@cF4$hJ6*pL0" * 2,
    "FIELD_ENCRYPTION_KEYS": f"p1:{KEY}",
    "BLIND_INDEX_KEY": base64.urlsafe_b64encode(b"b" * 32).decode(),
    "ALLOWED_HOSTS": "reparo.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "SITE_URL": "https://reparo.example.org",
}


def run_manage(env_overrides, *args):
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.endswith("_FILE")}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "reparo.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "SITE_URL"]
)
def test_it_refuses_to_start_in_production_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert missing in result.stderr
    assert "is not set" in result.stderr


def test_it_defaults_to_production_when_no_environment_is_named():
    env = {k: v for k, v in PRODUCTION.items() if k not in ("REPARO_ENV", "SECRET_KEY")}
    result = run_manage(env, "check")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_it_refuses_a_malformed_key():
    result = run_manage({**PRODUCTION, "FIELD_ENCRYPTION_KEYS": "p1:c2hvcnQ="}, "check")
    assert result.returncode != 0 and "must be 32 bytes" in result.stderr


def test_it_passes_the_deployment_checklist_with_production_settings():
    result = run_manage(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_reads_secrets_from_files(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(PRODUCTION["SECRET_KEY"] + "\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    env["SECRET_KEY_FILE"] = str(secret_file)
    result = run_manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_it_refuses_to_create_demo_users_outside_development():
    result = run_manage({**PRODUCTION}, "seed_demo")
    assert result.returncode != 0
    assert "only with REPARO_ENV=development" in result.stderr


def test_it_selects_postgresql_from_database_url():
    code = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    env = {**PRODUCTION, "DATABASE_URL": "postgres://reparo@127.0.0.1:5432/reparo"}
    result = run_manage(env, "shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == "django.db.backends.postgresql", result.stderr


def test_it_uses_argon2_for_passwords():
    code = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    result = run_manage(PRODUCTION, "shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == "django.contrib.auth.hashers.Argon2PasswordHasher", result.stderr


def test_it_lets_developer_only_commands_run_without_secrets_but_nothing_else():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION and not k.endswith("_FILE")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    ok = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode != 0 and "SECRET_KEY is not set" in refused.stderr


def test_it_refuses_to_start_on_a_yes_no_setting_it_cannot_read():
    result = run_manage({**PRODUCTION, "SECURE_SSL_REDIRECT": "ture"}, "check")
    assert result.returncode != 0
    expected = "SECURE_SSL_REDIRECT must be one of 1, true, yes, on (for yes) or 0, false, no, off (for no); got 'ture'"
    assert expected in result.stderr


def test_it_reads_every_accepted_yes_and_no_and_nothing_else():
    from django.core.exceptions import ImproperlyConfigured

    from reparo.config import as_bool, read_bool

    for word in ("1", "true", "YES", " On "):
        assert as_bool(word, name="X") is True
    for word in ("0", "False", "no", "OFF "):
        assert as_bool(word, name="X", default=True) is False
    assert as_bool("", name="X", default=True) is True
    assert read_bool("TRUST_X_FORWARDED_PROTO", env={}) is False
    for word in ("ture", "y", "2", "enabled", "none"):
        with pytest.raises(ImproperlyConfigured, match=r"^TRUST_X_FORWARDED_PROTO must be one of .*; got"):
            read_bool("TRUST_X_FORWARDED_PROTO", env={"TRUST_X_FORWARDED_PROTO": word})


def test_it_still_lets_an_operator_turn_the_redirect_off():
    code = "from django.conf import settings; print(settings.SECURE_SSL_REDIRECT)"
    result = run_manage({**PRODUCTION, "SECURE_SSL_REDIRECT": "off"}, "shell", "-c", code)
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_it_refuses_the_public_development_keys_in_production():
    from reparo.settings import _DEV_BLIND_INDEX_KEY, _DEV_FIELD_KEYS, _DEV_SECRET_KEY

    refused = run_manage({**PRODUCTION, "SECRET_KEY": _DEV_SECRET_KEY}, "check")
    assert refused.returncode != 0 and "SECRET_KEY (or SECRET_KEY_FALLBACKS) holds the public development key" in (
        refused.stderr
    )
    both = {"FIELD_ENCRYPTION_KEYS": f"{PRODUCTION['FIELD_ENCRYPTION_KEYS']},{_DEV_FIELD_KEYS}",
            "BLIND_INDEX_KEY": _DEV_BLIND_INDEX_KEY}  # fmt: skip
    refused = run_manage({**PRODUCTION, **both}, "check")
    assert refused.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY hold(s) a public development key" in refused.stderr
    # Only the load test, serving synthetic data encrypted under them, says so explicitly; never the secret key.
    allowed = run_manage({**PRODUCTION, **both, "ALLOW_PUBLIC_DEVELOPMENT_KEYS": "true"}, "check")
    assert allowed.returncode == 0, allowed.stderr
    refused = run_manage(
        {**PRODUCTION, "SECRET_KEY": _DEV_SECRET_KEY, "ALLOW_PUBLIC_DEVELOPMENT_KEYS": "true"}, "check"
    )
    assert refused.returncode != 0


ODK = {
    "ODK_CENTRAL_URL": "https://central.example.org/",
    "ODK_CENTRAL_PROJECT": "7",
    "ODK_CENTRAL_FORM": "htcds_xlsform",
    "ODK_CENTRAL_USERNAME": "reparo@example.org",
    "ODK_CENTRAL_PASSWORD": "field-secret-1",
}


def test_it_pulls_no_field_intake_unless_odk_central_is_configured(tmp_path):
    from reparo import config

    assert config.odk_central({"REPARO_ENV": "production"}) is None
    secret = tmp_path / "odk_password"
    secret.write_text("from-a-file\n")
    env = {**ODK, "REPARO_ENV": "production", "ODK_CENTRAL_PASSWORD": "", "ODK_CENTRAL_PASSWORD_FILE": str(secret)}
    conf = config.odk_central(env)
    assert (conf.url, conf.project, conf.form, conf.password) == (
        "https://central.example.org",
        7,
        "htcds_xlsform",
        "from-a-file",
    )
    assert "from-a-file" not in repr(conf)


@pytest.mark.parametrize(
    ("change", "message"),
    [({"ODK_CENTRAL_FORM": ""}, "ODK_CENTRAL_FORM is not set"),
     ({"ODK_CENTRAL_USERNAME": "", "ODK_CENTRAL_PASSWORD": ""}, "ODK_CENTRAL_USERNAME, ODK_CENTRAL_PASSWORD are not"),
     ({"ODK_CENTRAL_URL": "http://central.example.org"}, "must be the https:// address"),
     ({"ODK_CENTRAL_URL": "central.example.org"}, "must be the https:// address"),
     ({"ODK_CENTRAL_PROJECT": "seven"}, "project's number"), ({"ODK_CENTRAL_PROJECT": "0"}, "project's number")],
)  # fmt: skip
def test_it_refuses_a_half_made_odk_central_configuration(change, message):
    from reparo import config

    with pytest.raises(config.ConfigurationError, match=message):
        config.odk_central({**ODK, "REPARO_ENV": "production", **change})


def test_it_lets_a_local_central_speak_plain_http_in_development_only():
    from reparo import config

    local = {**ODK, "ODK_CENTRAL_URL": "http://localhost:8383"}
    assert config.odk_central({**local, "REPARO_ENV": "development"}).url == "http://localhost:8383"
    with pytest.raises(config.ConfigurationError):
        config.odk_central({**local, "REPARO_ENV": "production"})


def test_it_refuses_to_start_with_half_of_odk_central():
    result = run_manage({**PRODUCTION, "ODK_CENTRAL_URL": "https://central.example.org"}, "check")
    assert result.returncode != 0 and "ODK_CENTRAL_PROJECT" in result.stderr
