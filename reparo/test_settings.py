"""Settings for the test suite: the real settings in the ``test`` environment, with cheaper hashing."""

import os

os.environ.setdefault("REPARO_ENV", "test")

from reparo.settings import *  # noqa: F403

# Argon2 stays the algorithm under test, with a lower work factor so the suite runs quickly.
PASSWORD_HASHERS = ["reparo.accounts.hashers.TestArgon2PasswordHasher"]
QUICK_EXIT_URL = "about:blank"
