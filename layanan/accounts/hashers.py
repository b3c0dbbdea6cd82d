"""Password hashers."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 at its lowest cost, for the test suite only (config/settings/test.py)."""

    time_cost = 1
    memory_cost = 64
    parallelism = 1
