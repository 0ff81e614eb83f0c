"""Production: no default secret, HTTPS only, PostgreSQL and Redis from the environment."""

import base64
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from safeguard.logs import logging_config

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production."
    )
DEBUG = False
# No made-up trust, people or published demo password in a real trust's database (demo/guard.py).
DEMO_SEEDING = env.bool("DEMO_SEEDING", default=False)

# One JSON object a log line unless told otherwise (docs/adr/0039).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)  # noqa: F405

# Fail closed: production never falls back to SQLite, the filesystem broker or printed email.
for _required in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL"):
    if not env(_required, default=""):
        raise ImproperlyConfigured(f"{_required} must be set in production.")
# The address in every email's links: the site people reach, over HTTPS, with no path (the app
# is served at the root). Stored without a trailing slash; links add their own path.
SITE_URL = env("SITE_URL", default="").strip()
_site = urlsplit(SITE_URL)
if _site.scheme != "https" or not _site.hostname or _site.path not in ("", "/"):
    raise ImproperlyConfigured(
        "SITE_URL must be set in production to the https:// address people reach the service "
        "at, with no path, e.g. https://safeguard.your-trust.org.uk"
    )
if _site.query or _site.fragment or _site.username or _site.password:
    raise ImproperlyConfigured("SITE_URL must be only https:// and the host name (and a port).")
SITE_URL = SITE_URL.rstrip("/")
# The site's own host and origin unless more are named.
if not env("ALLOWED_HOSTS", default=""):
    ALLOWED_HOSTS = [_site.hostname]
if not env("CSRF_TRUSTED_ORIGINS", default=""):
    CSRF_TRUSTED_ORIGINS = [SITE_URL]
# Every web process and worker on every host shares one cache (docs/adr/0038).
if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):  # noqa: F405
    raise ImproperlyConfigured(
        "CACHE_URL must be set in production to a Redis shared by every host, e.g. "
        "redis://cache:6379/0 (a Redis or database number apart from the broker's)."
    )


def _redis_database(url: str) -> tuple[str | None, int | None, str]:
    parts = urlsplit(url)
    return parts.hostname, parts.port or 6379, parts.path.strip("/") or "0"


if _redis_database(CACHE_URL) == _redis_database(CELERY_BROKER_URL):  # noqa: F405
    # Clearing the cache empties its whole Redis database, queued tasks and all.
    raise ImproperlyConfigured(
        "CACHE_URL must name another Redis database than CELERY_BROKER_URL (e.g. /1, not /0)."
    )
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


def _key_bytes(value: str) -> bytes:
    """The 32 bytes a key encryption key names, or b"" when it is not URL-safe base64."""
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except ValueError:
        return b""


# Encrypts schools' signing keys at rest (transfers/signing/keys.py): 32 random bytes, URL-safe
# base64. Kept apart from SECRET_KEY so rotating the one does not make every signing key unreadable.
SIGNING_KEY_ENCRYPTION_KEY = env("SIGNING_KEY_ENCRYPTION_KEY", default="")
if len(_key_bytes(SIGNING_KEY_ENCRYPTION_KEY)) != 32:
    raise ImproperlyConfigured(
        "SIGNING_KEY_ENCRYPTION_KEY must be set to 32 random bytes in URL-safe base64 in "
        "production (see the README, Configuration)."
    )

# Only while rotating SIGNING_KEY_ENCRYPTION_KEY: the old key, so keys sealed under it stay
# readable until `manage.py rotate_signing_key_encryption` has sealed them under the new one;
# then removed (docs/operations.md, docs/adr/0041). Same format when set.
SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS = env("SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS", default="")
if (
    SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS
    and len(_key_bytes(SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS)) != 32
):
    raise ImproperlyConfigured(
        "SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS, when set, must be the previous key: 32 bytes in "
        "URL-safe base64 (see docs/operations.md, key rotation)."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# The container health check and Prometheus's scrape call these over plain HTTP, from inside.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-safeguard_session"
CSRF_COOKIE_NAME = "__Host-safeguard_csrftoken"
