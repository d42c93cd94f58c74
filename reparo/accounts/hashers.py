from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with a small work factor, for the test suite only (reparo/test_settings.py)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
