"""`make test`: PostgreSQL through DATABASE_URL, fast hashing, email kept in memory."""

import os
from typing import Any

from .base import *  # noqa: F403
from .base import env
from .storage import s3_storage

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
    # Celery takes CELERY_BROKER_URL from the environment before its settings: the test process
    # would publish to the shared database while its workers listened on this one.
    os.environ["CELERY_BROKER_URL"] = CELERY_BROKER_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# moto's S3 server, started by scripts/test-services.sh (`make services`): tests/storage/ always
# use it; SAFEGUARD_TEST_S3=1 puts every test's files there (ADR 0037). One bucket per test worker.
TEST_S3_ENDPOINT = f"http://127.0.0.1:{env.int('SAFEGUARD_TEST_S3_PORT', default=55900)}"
TEST_S3_BUCKET = f"safeguard-test-{_xdist or 'main'}"


def moto_s3_storage(bucket: str = TEST_S3_BUCKET, **encryption: str) -> dict[str, Any]:
    """The production S3 storage, pointed at moto's server with its test credentials."""
    storage = s3_storage(
        bucket=bucket, endpoint_url=TEST_S3_ENDPOINT, region="eu-west-2", **encryption
    )
    storage["OPTIONS"].update(access_key="testing", secret_key="testing")  # noqa: S106
    return storage


if env.bool("SAFEGUARD_TEST_S3", default=False):
    STORAGES["default"] = moto_s3_storage()
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = BASE_DIR / "var" / "test-media"  # noqa: F405
