"""Production: no default secret, HTTPS only, PostgreSQL and Redis from the environment."""

import base64

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
DEBUG = False

# Fail closed: production never falls back to SQLite, the filesystem broker or printed email.
for _required in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
    if not env(_required, default=""):
        raise ImproperlyConfigured(f"{_required} must be set in production.")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":  # noqa: F405
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL to postgres://...")
# Persistent connections: each gunicorn worker thread (Procfile and docker-compose.yml run 4
# threads a worker, each serving one request at a time) keeps its PostgreSQL connection for up
# to ten minutes instead of opening one per request. Opening one
# (TCP, authentication, a new backend process) took a median 5.2 ms on the benchmark machine
# against 0.02 ms for a query on an open one: more than half the 9 ms layout floor of issue 18.
# The health check tests a reused connection once per request before using it, so a database
# restart or a dropped connection costs one reconnect, not a failed page. Chosen over psycopg's
# pool (Django 5.1+ `OPTIONS: {"pool": ...}`): a thread holds at most one connection at a
# time, so a pool per process would hold as many (idle ones between requests) and add a package
# (psycopg[pool]); with more processes than PostgreSQL's max_connections, put PgBouncer in front.
# DATABASE_CONN_MAX_AGE=0 goes back to a connection per request.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=600)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
if EMAIL_BACKEND.endswith("console.EmailBackend"):  # noqa: F405
    raise ImproperlyConfigured("EMAIL_URL must name a real mail server in production.")
# Files go to S3 (ADR 0037): a file a worker on one host wrote must be readable by a web process
# on another. A deployer on one host who keeps files on a volume says so: FILE_STORAGE=filesystem.
if FILE_STORAGE != "s3" and env("FILE_STORAGE", default="") != "filesystem":  # noqa: F405
    raise ImproperlyConfigured(
        "S3_BUCKET must be set in production, so every host reads the same files (see the "
        "README, Configuration); to keep files on this host's disk instead, set "
        "FILE_STORAGE=filesystem."
    )

# Encrypts schools' signing keys at rest (transfers/signing/keys.py): 32 random bytes, URL-safe
# base64.
# Kept apart from SECRET_KEY so rotating the one does not make every signing key unreadable.
SIGNING_KEY_ENCRYPTION_KEY = env("SIGNING_KEY_ENCRYPTION_KEY", default="")
try:
    _kek = base64.urlsafe_b64decode(
        SIGNING_KEY_ENCRYPTION_KEY + "=" * (-len(SIGNING_KEY_ENCRYPTION_KEY) % 4)
    )
except ValueError:
    _kek = b""
if len(_kek) != 32:
    raise ImproperlyConfigured(
        "SIGNING_KEY_ENCRYPTION_KEY must be set to 32 random bytes in URL-safe base64 in "
        "production (see the README, Configuration)."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the container health check calls it over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-safeguard_session"
CSRF_COOKIE_NAME = "__Host-safeguard_csrftoken"
