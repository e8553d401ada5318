"""Test settings: base settings, fast hashing, tasks inline unless a test starts a cluster."""

import os
import tempfile

from .base import *  # noqa: F403
from .base import CACHES, Q_CLUSTER

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", tempfile.mkdtemp(prefix="comptoir-media-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
Q_CLUSTER["sync"] = os.environ.get("Q_SYNC", "1") == "1"
LANGUAGE_CODE = "en"
# xdist workers share one Redis (CI's second pass) but each has its own database, where ids repeat:
# cache keys (debounce flags, login counters) get the test process in front so they never meet.
# A test that starts worker processes gives them its own prefix (COMPTOIR_CACHE_KEY_PREFIX) so they share its flags.
if CACHES["default"]["BACKEND"].endswith("RedisCache"):  # clear() flushes this process's keys, not the database
    CACHES["default"]["BACKEND"] = "portal.tests.cache.PrefixedRedisCache"
CACHES["default"]["KEY_PREFIX"] = (
    os.environ.get("COMPTOIR_CACHE_KEY_PREFIX") or f"test-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
)
# Every login POST counts against allauth's "login" limit per IP (30 a minute in base settings), and
# every browser test logs in from 127.0.0.1: one xdist worker running browser tests back to back
# passed 30 a minute and its next login was refused (a page that never left the login form). The
# failed-login limits, which the account tests exercise, stay as in production.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "1000/m/ip"}  # noqa: F405
