"""Settings for the test suite: the same database engine, faster password hashing."""

from .dev import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Scans written by the tests go to a directory of their own, not the developer's var/private.
import tempfile  # noqa: E402

STORAGES["default"]["OPTIONS"]["location"] = tempfile.mkdtemp(prefix="portal-test-private-")  # noqa: F405
