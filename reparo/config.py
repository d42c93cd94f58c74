"""Reading configuration from the environment, failing closed.

Every setting comes from an environment variable. A secret ``NAME`` may instead be given as
``NAME_FILE``: the path of a file holding it (as Docker and systemd credentials provide).
Outside development and test, a missing required value stops start-up with
:class:`ConfigurationError`, naming the variable.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

DEVELOPMENT = "development"
TEST = "test"
PRODUCTION = "production"
ENVIRONMENTS = (DEVELOPMENT, TEST, PRODUCTION)


class ConfigurationError(ImproperlyConfigured):
    """Raised when a required setting is missing or malformed."""


def environment(env: Mapping[str, str] | None = None) -> str:
    env = os.environ if env is None else env
    value = env.get("REPARO_ENV", PRODUCTION).strip().lower()
    if value not in ENVIRONMENTS:
        raise ConfigurationError(f"REPARO_ENV must be one of {', '.join(ENVIRONMENTS)}; got {value!r}.")
    return value


def read(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """Return ``NAME`` or the contents of the file named by ``NAME_FILE``; ``None`` when neither is set."""
    env = os.environ if env is None else env
    value = env.get(name)
    if value not in (None, ""):
        return value
    path = env.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigurationError(f"{name}_FILE points at {path!r}, which cannot be read: {exc}.") from exc
    return None


def require(name: str, *, default: str | None, env: Mapping[str, str] | None = None) -> str:
    """A required value. ``default`` is used only in development and test; elsewhere its absence stops start-up."""
    value = read(name, env)
    if value is not None:
        return value
    if default is not None and environment(env) in (DEVELOPMENT, TEST):
        return default
    raise ConfigurationError(
        f"{name} is not set. Set {name} (or {name}_FILE) in the environment; "
        "see docs/configuration.md. Reparo refuses to start without it outside development."
    )


TRUE_WORDS = ("1", "true", "yes", "on")
FALSE_WORDS = ("0", "false", "no", "off")


def as_bool(value: str | None, *, name: str, default: bool = False) -> bool:
    """``value`` as a boolean, ``default`` when unset or empty; anything else stops start-up.

    A typo must not quietly turn a protection off (``SECURE_SSL_REDIRECT=ture`` read as false).
    """
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigurationError(
        f"{name} must be one of {', '.join(TRUE_WORDS)} (for yes) or {', '.join(FALSE_WORDS)} (for no); "
        f"got {value!r}. See docs/configuration.md."
    )


def read_bool(name: str, *, default: bool = False, env: Mapping[str, str] | None = None) -> bool:
    """The boolean setting ``NAME`` (or ``NAME_FILE``); see :func:`as_bool`."""
    return as_bool(read(name, env), name=name, default=default)


def as_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_keyring(name: str, value: str) -> dict[str, bytes]:
    """Parse ``id1:base64key,id2:base64key`` into an ordered mapping of 32-byte AES keys.

    The last key listed is the newest: it encrypts; every listed key decrypts.
    """
    ring: dict[str, bytes] = {}
    for item in as_list(value):
        key_id, sep, encoded = item.partition(":")
        key_id = key_id.strip()
        if not sep or not key_id or not key_id.isalnum():
            raise ConfigurationError(
                f"{name}: each entry must look like 'keyid:base64key' (key id letters and digits)."
            )
        try:
            key = base64.urlsafe_b64decode(encoded.strip() + "=" * (-len(encoded.strip()) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ConfigurationError(f"{name}: key {key_id!r} is not valid base64.") from exc
        if len(key) != 32:
            raise ConfigurationError(f"{name}: key {key_id!r} must be 32 bytes (256 bits); got {len(key)}.")
        if key_id in ring:
            raise ConfigurationError(f"{name}: key id {key_id!r} is listed twice.")
        ring[key_id] = key
    if not ring:
        raise ConfigurationError(f"{name} holds no keys.")
    return ring


def parse_secret_bytes(name: str, value: str, *, minimum: int = 32) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError(f"{name} is not valid base64.") from exc
    if len(key) < minimum:
        raise ConfigurationError(f"{name} must decode to at least {minimum} bytes; got {len(key)}.")
    return key


# --- ODK Central (field intake) -------------------------------------------------------------------------------------

ODK_CENTRAL_VARIABLES = (
    "ODK_CENTRAL_URL",
    "ODK_CENTRAL_PROJECT",
    "ODK_CENTRAL_FORM",
    "ODK_CENTRAL_USERNAME",
    "ODK_CENTRAL_PASSWORD",
)


@dataclass(frozen=True)
class OdkCentral:
    """Where the field teams' submissions of the HTCDS form wait: an ODK Central server, a project and a form, and
    the Central web user Reparo signs in as (a "Project Viewer" of that project is enough)."""

    url: str
    project: int
    form: str
    username: str
    password: str = field(repr=False)


def odk_central(env: Mapping[str, str] | None = None) -> OdkCentral | None:
    """The ODK Central to pull field intake from, or ``None`` when none of its variables is set (pulling is off).

    Once one is set, all are needed: a half-made configuration stops start-up rather than failing at the first pull.
    The address must be ``https://`` (``http://`` only in development and test, for a local Central)."""
    values = {name: (read(name, env) or "").strip() for name in ODK_CENTRAL_VARIABLES}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ConfigurationError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set. Pulling field intake from ODK "
            f"Central needs all of {', '.join(ODK_CENTRAL_VARIABLES)} (or none of them); see docs/configuration.md."
        )
    url = values["ODK_CENTRAL_URL"].rstrip("/")
    local_ok = environment(env) in (DEVELOPMENT, TEST)
    if not (url.startswith("https://") or (local_ok and url.startswith("http://"))) or " " in url:
        raise ConfigurationError(
            "ODK_CENTRAL_URL must be the https:// address of the ODK Central server, for example "
            "https://central.example.org."
        )
    project = values["ODK_CENTRAL_PROJECT"]
    if not project.isdigit() or int(project) < 1:
        raise ConfigurationError(f"ODK_CENTRAL_PROJECT must be the project's number in ODK Central, not {project!r}.")
    return OdkCentral(
        url=url,
        project=int(project),
        form=values["ODK_CENTRAL_FORM"],
        username=values["ODK_CENTRAL_USERNAME"],
        password=values["ODK_CENTRAL_PASSWORD"],
    )
