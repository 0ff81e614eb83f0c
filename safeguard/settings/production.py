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
if EMAIL_BACKEND.endswith("console.EmailBackend"):  # noqa: F405
    raise ImproperlyConfigured("EMAIL_URL must name a real mail server in production.")

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
