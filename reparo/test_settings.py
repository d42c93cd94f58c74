"""Settings for the test suite: the real settings in the ``test`` environment, with cheaper hashing."""

import os

os.environ.setdefault("REPARO_ENV", "test")

from reparo.settings import *  # noqa: F403

# Argon2 stays the algorithm under test, with a lower work factor so the suite runs quickly.
PASSWORD_HASHERS = ["reparo.accounts.hashers.TestArgon2PasswordHasher"]
QUICK_EXIT_URL = "about:blank"

# A test-only app with a model for each encrypted field type.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.crypto_app"]  # noqa: F405

# Tasks run at once in tests, so a test sees what a worker would have done.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
