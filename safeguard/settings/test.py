"""`make test`: PostgreSQL through DATABASE_URL, fast hashing, email kept in memory."""

import os

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Email stays in memory, unless a test's worker process is given a real SMTP server (EMAIL_URL).
if not os.environ.get("EMAIL_URL"):
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
# Parallel test workers (pytest-xdist) each get their own Redis database, so one worker's Celery
# tasks are never taken by another's test worker (each has its own PostgreSQL database too).
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist and CELERY_BROKER_URL.startswith("redis://"):
    _db = int(_xdist.removeprefix("gw")) + 1
    CELERY_BROKER_URL = CELERY_BROKER_URL.rsplit("/", 1)[0] + f"/{_db}"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
