"""Settings shared by every environment; each value that differs comes from the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from kombu import Exchange, Queue

from safeguard.logs import logging_config

from .storage import default_storage as file_storage
from .storage import s3_storage

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

PRODUCT_NAME = "Safeguard"
# Where people report an accessibility problem or ask for a page in another format (the
# accessibility statement, docs/adr/0047): the trust's own address. Unset, the statement sends
# people to their school's office or the trust's data protection officer.
ACCESSIBILITY_CONTACT_EMAIL = env("ACCESSIBILITY_CONTACT_EMAIL", default="")
# The address people reach the service at, for links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# `seed_demo` and `seed_oversight_benchmark` write made-up schools, pupils and people with a
# published password and authenticator key: allowed on a developer's machine and in tests, refused
# in production unless a deployment made only to show the product turns it on (demo/guard.py).
DEMO_SEEDING = env.bool("DEMO_SEEDING", default=True)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp_webauthn",
    "django_htmx",
    "django_celery_beat",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "safeguard",
    "schools",
    "concerns",
    "chronology",
    "referrals",
    "contacts",
    "allegations",
    "transfers",
    "oversight",
    "audit",
    "reminders",
    "roll",
    "demo",
    "home",
    "api",
]

MIDDLEWARE = [
    # Before everything: every request's time and count, whatever answers it (docs/adr/0039).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # Then the request's id, so every later line written for the request carries it.
    "safeguard.request_id.RequestIdMiddleware",
    # Then, so every response carries the two policies: the 413 below, static files, errors.
    "safeguard.middleware.ContentSecurityPolicyMiddleware",
    "safeguard.middleware.PermissionsPolicyMiddleware",
    "api.middleware.ApiBodyLimitMiddleware",
    "safeguard.middleware.RequestSizeLimitMiddleware",
    "safeguard.middleware.JsonBodyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "safeguard.middleware.PrivatePagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "safeguard.middleware.SessionLifetimeMiddleware",
    "schools.twofactor.middleware.TwoFactorMiddleware",
    "schools.accounts.middleware.SignedInSessionMiddleware",
    "safeguard.middleware.ActingSchoolMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, so its process_exception is the first to see a view's 404 or 403.
    "safeguard.middleware.RefusalLogMiddleware",
]

ROOT_URLCONF = "safeguard.urls"
# The largest request body accepted: the largest upload (10 MB: an attachment, a roll file) with
# room for the rest of its form. A larger one is refused before anything reads it.
MAX_REQUEST_BYTES = 12 * 1024 * 1024
# The API's largest body (it takes no files): a batch of 5,000 pupils is about 2 MB of JSON, up to
# 6 MB pretty-printed with long names. A larger one is refused with a 413 problem before it is
# read (api.middleware). Django's limit on a body read into memory (2.5 MB by default) is raised
# to match; every body stays within MAX_REQUEST_BYTES.
API_LARGEST_BODY = 8 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = API_LARGEST_BODY
WSGI_APPLICATION = "safeguard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeguard.context_processors.acting_school",
                "home.context_processors.header_badges",
            ],
        },
    },
]

# The cache (docs/adr/0038). With CACHE_URL (Redis) every web process and worker on every host
# shares one: the API's count of each client's calls, who is named on an allegation, and the
# dashboards' kept figures (docs/adr/0036) are then the same wherever a request lands. Without it
# (`make run`, one machine) each process keeps its own in memory. The dashboards' kept figures have
# a cache of their own, so that the views of many periods cannot push out what the default holds:
# in memory by a count of entries, in Redis by a key prefix and a lifetime on every entry, with
# Redis's own eviction (maxmemory, allkeys-lru on a Redis kept for the cache) bounding the whole.
CACHE_URL = env("CACHE_URL", default="")
# The longest a value stays in the shared cache when its caller names no lifetime.
CACHE_DEFAULT_SECONDS = 5 * 60
CACHE_FIGURES_SECONDS = 24 * 60 * 60
if CACHE_URL:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": f"safeguard:{alias}",
            "TIMEOUT": seconds,
            # A cache that stops answering must not hold a page: a short wait, then a miss.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        for alias, seconds in (
            ("default", CACHE_DEFAULT_SECONDS),
            ("figures", CACHE_FIGURES_SECONDS),
        )
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "default",
        },
        "figures": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "figures",
            "TIMEOUT": CACHE_FIGURES_SECONDS,
            # One entry per school and period viewed, and two per view of the trust's tallies.
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        },
    }

# SQLite is the embedded default of `make run`; PostgreSQL through DATABASE_URL everywhere else.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'safeguard.sqlite3'}")
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, the worker and the scheduler share one file;
    # IMMEDIATE transactions take the write lock up front, so a writer waits its turn instead of
    # failing with "database is locked" when two processes upgrade read locks at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: our queries take milliseconds to a second, and when PostgreSQL's row
    # estimates run high (a WITH's rows have none) compiling took longer than the query itself,
    # 1 to 2 seconds on the trust dashboard's breakdown at the benchmark's size (ADR 0026).
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "schools.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60  # an hour: a reset link in a shared inbox should not live long
# An invitation to set a first password (schools/staff/tokens.py): a new member of staff may not
# read it the day it is sent, so it lives longer than a reset link, and is single use.
STAFF_INVITATION_DAYS = env.int("STAFF_INVITATION_DAYS", default=7)

# Sessions end after 30 minutes idle (the cookie is renewed on every request) and after 12 hours
# in all (SessionLifetimeMiddleware). Closing the browser ends them too.
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
# The page warns this long before an idle session ends, with a button to stay signed in.
SESSION_IDLE_WARNING = timedelta(minutes=5)
SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT.total_seconds())
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "safeguard_session"
CSRF_COOKIE_NAME = "safeguard_csrftoken"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind a TLS proxy (docker-compose, a load balancer) the person's address is in
# X-Forwarded-For: set this to the number of proxies in front of the app that append to it (1
# for one proxy). 0 reads REMOTE_ADDR only (`make run`), so a client cannot forge its address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "safeguard.client_ip.axes_client_ip"
# Content-Security-Policy (django-csp, docs/adr/0029): scripts, styles, images and requests from
# Safeguard's own origin only, no inline script or style, nothing else at all; no page may be
# framed, post a form elsewhere, change its base URL or load a plugin. The Django admin gets the
# same policy, but for one script below.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# What a page adds to the policy, on the pages whose path matches. Inline scripts allowed by their
# hash: only django-celery-beat's periodic-task form in the platform admin, which puts a crontab
# into words with one (an upgrade that changes the script fails
# tests/safeguard/test_security_headers.py until the hash is updated). Images drawn as `data:`
# URLs: only the API's documentation (Swagger UI's icons; docs/adr/0035), which holds no data.
CONTENT_SECURITY_POLICY_PAGE_SOURCES: list[tuple[str, dict[str, list[str]]]] = [
    (
        r"/platform-admin/django_celery_beat/periodictask/(add|[0-9]+/change)/$",
        {"script-src": ["'sha256-QE3U2xYF7B4J2ro1/9oxiKhaWCGW39gB7ocQ/xlD0bE='"]},
    ),
    (r"/api/v1/docs/$", {"img-src": ["data:"]}),
]
# Permissions-Policy (safeguard.middleware.PermissionsPolicyMiddleware): every powerful browser
# feature Safeguard does not use is off, for its pages and anything they might frame. Security
# keys and passkeys (two-factor sign-in, django-otp-webauthn) are allowed to this site only.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "clipboard-read": [],
    "clipboard-write": [],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "picture-in-picture": [],
    "publickey-credentials-create": ["self"],
    "publickey-credentials-get": ["self"],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}

# django-axes: lock the account after 10 failed sign-ins in a row, for 30 minutes.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=30)
# The lock is on the account at one address: ten wrong passwords from anywhere else no longer lock
# a DSL out at school (issue 16). Wider limits (schools/signin_limits.py): one address failing
# across accounts (a school shares one address, so the limit is high), and one account failing
# from many addresses.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
SIGN_IN_FAILURES_PER_ADDRESS = env.int("SIGN_IN_FAILURES_PER_ADDRESS", default=100)
SIGN_IN_FAILURES_PER_ACCOUNT = env.int("SIGN_IN_FAILURES_PER_ACCOUNT", default=50)
# Password-reset emails an hour: to one account, and asked for from one address.
RESET_EMAILS_PER_ACCOUNT = 3
RESET_EMAILS_PER_ADDRESS = 20
SILENCED_SYSTEM_CHECKS = [
    # django-otp-webauthn checks for a fixed relying party and origins; ours come from the host
    # each request reached (OTP_WEBAUTHN_HELPER_CLASS), so those settings are not read.
    "otp_webauthn.E010",
    "otp_webauthn.E030",
]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
# Sign-in ignores the email's case, so the lock-out must too: one account, one counter.
AXES_USERNAME_CALLABLE = "safeguard.auth.axes_username"
AXES_VERBOSE = False

# Two-factor sign-in (issue 16, docs/adr/0028): django-otp's TOTP (an authenticator app) and
# single-use recovery codes, and django-otp-webauthn's security keys and passkeys, as the second
# factor after the password. Never instead of it: no passwordless sign-in.
OTP_TOTP_ISSUER = "Safeguard"
OTP_WEBAUTHN_RP_NAME = "Safeguard"
# The relying party is the host people reach the site by (schools/twofactor/webauthn.py): a
# passkey made for one host works on no other. Browsers refuse an IP address: use localhost.
OTP_WEBAUTHN_HELPER_CLASS = "schools.twofactor.webauthn.SafeguardWebAuthnHelper"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "safeguard.webauthn"
# Reading anything after this long since the last second-factor check asks for it again.
TWO_FACTOR_STEP_UP_AFTER = timedelta(hours=env.int("TWO_FACTOR_STEP_UP_HOURS", default=12))
TWO_FACTOR_RECOVERY_CODES = 10

# django-guardian: object permissions on School and Trust rows hold the roles.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["safeguard.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and generated files (attachments, CP-file exports, files received) live outside the
# web root and are served only through permission-checked views: in a private, encrypted S3
# bucket when S3_BUCKET is set (every host sees every file), else on this host's disk under
# MEDIA_ROOT (ADR 0037).
_files, FILE_STORAGE = file_storage(env)
STORAGES = {
    "default": _files,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "var" / "media")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that stops answering must not hold a delivery (and its row lock) for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Safeguard <no-reply@safeguard.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis in production and in `make test`; a filesystem broker (no server) in `make run`.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = BASE_DIR / "var" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # not ./control in the working tree
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):  # the transport does not make them
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
# The scheduler: django-celery-beat's jobs from the database, sent only while this beat holds
# the scheduler lock in Redis (safeguard/scheduler.py, docs/adr/0038), so a second beat started by
# mistake, or on standby on another host, sends nothing until the first has gone.
CELERY_BEAT_SCHEDULER = "safeguard.scheduler:LockedDatabaseScheduler"
# The lock lives in the broker's Redis (never the cache's, whose keys may be evicted). It lapses
# this long after its holder last renewed it (every tick, at most every BEAT_MAX_LOOP_INTERVAL):
# a standby takes over within about this long after the holder dies.
SCHEDULER_LOCK_URL = env("SCHEDULER_LOCK_URL", default="")
SCHEDULER_LOCK_SECONDS = env.int("SCHEDULER_LOCK_SECONDS", default=30)
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, SCHEDULER_LOCK_SECONDS // 3)
# Each job's last run is written as it is sent, so a scheduler taking over does not send it again.
CELERY_BEAT_SYNC_EVERY = 1

# Three queues (docs/adr/0038), each worked by workers of its own kind, so a long PDF export can
# never hold up an urgent alert: `alerts` (emails and notifications, short), `exports` (CP-file
# exports, long and large) and `default` (the scheduled housekeeping). Every task is placed here by
# name on purpose (tests/safeguard/test_queues.py fails on a task that is not).
QUEUES = ("alerts", "exports", "default")
CELERY_TASK_DEFAULT_QUEUE = "default"
# Each queue has an exchange and routing key of its own (a Queue named alone would be bound to the
# default exchange under the key "default", and a task sent there would reach all three).
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in QUEUES]
CELERY_TASK_ROUTES = {
    # alerts: every email and notification, the urgent ones first in line
    "safeguard.notification_deliver": {"queue": "alerts"},
    "safeguard.notifications_relay": {"queue": "alerts"},
    "safeguard.notifications_digest": {"queue": "alerts"},
    "schools.staff_email_retry": {"queue": "alerts"},
    # exports: the CP file's PDF, signature and bundle (imports run in the request today)
    "transfers.export_render": {"queue": "exports"},
    # default: housekeeping on the scheduler's timetable
    "safeguard.sessions_clear_expired": {"queue": "default"},
    "reminders.reviews_run": {"queue": "default"},
    "chronology.verify_all_chains": {"queue": "default"},
    "transfers.retention_run": {"queue": "default"},
    "schools.roll_imports_expire": {"queue": "default"},
    "oversight.tally_refresh": {"queue": "default"},
}
# Time limits. At the soft limit the task is told (SoftTimeLimitExceeded) and records its failure
# in words; at the hard limit, a minute later, its process is killed. An export's soft limit is
# ten minutes (benchmarks/test_pdf_speed.py holds a 500-entry CP file to under one); an email's
# is short, since the mail server has EMAIL_TIMEOUT to answer each step. The rest: the default.
EXPORT_TIME_LIMIT_SECONDS = env.float("EXPORT_TIME_LIMIT_SECONDS", default=10 * 60)
ALERT_TIME_LIMIT_SECONDS = env.float("ALERT_TIME_LIMIT_SECONDS", default=2 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("TASK_TIME_LIMIT_SECONDS", default=30 * 60)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_TASK_ANNOTATIONS = {
    name: {"soft_time_limit": limit, "time_limit": limit + 60}
    for name, limit in (
        ("transfers.export_render", EXPORT_TIME_LIMIT_SECONDS),
        ("safeguard.notification_deliver", ALERT_TIME_LIMIT_SECONDS),
        ("schools.staff_email_retry", ALERT_TIME_LIMIT_SECONDS),
        # The relay (after an outage) and the digest email many people in one task: the default.
    )
}
# A worker's pool process is replaced after this many tasks (memory a library keeps is let go).
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=1000)

# The API for other systems (issue 17, docs/adr/0035): a client's secret as a Bearer token, its
# scopes, its own allowance of calls, errors as RFC 9457 problem details, JSON only.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ClientTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JsonParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_CALLS_PER_MINUTE = env.int("API_CALLS_PER_MINUTE", default=600)
# A client's secret: knox keeps a SHA-512 hash only; "sgd_" marks it so secret scanners find one
# pasted where it should not be.
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Bearer",
    "TOKEN_PREFIX": "sgd_",
    "TOKEN_TTL": timedelta(days=90),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Safeguard API",
    "DESCRIPTION": (
        "For the systems around a school's safeguarding: the MIS keeping the roll in step, "
        "web filtering and monitoring raising alerts for the DSL to triage, and a trust's "
        "figures for its own reports. A school's DSL or headteacher, or the trust's "
        "safeguarding officer, registers a client on the page 'API clients' and gives it "
        "scopes; its secret is sent as `Authorization: Bearer <secret>`. Errors are RFC 9457 "
        "problem details."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.add_problem_responses",
    ],
}

# Log lines (docs/adr/0039): one JSON object a line with LOG_FORMAT=json (production's default),
# plain text otherwise; either way with no names and no free text (safeguard/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="text")
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = logging_config(LOG_FORMAT, LOG_LEVEL)
LOGGING_CONFIG = "safeguard.logs.configure"
# Error reports (docs/adr/0039): sent to Sentry (or anything speaking its protocol) only when
# SENTRY_DSN is set, with personal data taken out first (safeguard/sentry.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="")
# Prometheus metrics at /metrics, to `Authorization: Bearer <METRICS_TOKEN>` only; a 404 while
# it is unset (safeguard/metrics.py).
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# django-axes writes the address of a failed or locked-out sign-in, never the email typed.
AXES_CLIENT_STR_CALLABLE = "safeguard.logs.axes_client_str"

# The scheduler's standing jobs; django-celery-beat copies them into its tables, where a platform
# administrator can see and change them.
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "safeguard.sessions_clear_expired",
        "schedule": 60 * 60,
    },
    "relay-unsent-notifications": {
        "task": "safeguard.notifications_relay",
        "schedule": 60,
    },
    "raise-due-reminders": {
        "task": "reminders.reviews_run",
        "schedule": 5 * 60,
    },
    "notifications-digest-daily": {
        "task": "safeguard.notifications_digest",
        "schedule": crontab(hour=7, minute=0),  # Europe/London (CELERY_TIMEZONE)
    },
    "verify-record-integrity-nightly": {
        "task": "chronology.verify_all_chains",
        "schedule": crontab(hour=2, minute=30),
    },
    "destroy-files-past-retention-nightly": {
        "task": "transfers.retention_run",
        "schedule": crontab(hour=3, minute=0),  # after the integrity check
    },
    "roll-import-previews-expire-nightly": {
        "task": "schools.roll_imports_expire",
        "schedule": crontab(hour=1, minute=0),
    },
    "tally-dashboard-weeks-nightly": {
        "task": "oversight.tally_refresh",
        "schedule": crontab(hour=1, minute=30),  # a week is tallied once it is an hour over
    },
}

# The destruction log (transfers/retention/destruction_log.py; docs/operations.md, "Destruction
# and backups"): the ids and hashes of every destroyed file, read by `manage.py
# replay_destructions` after a database restore. Unset, it is written through the default file
# storage under destruction-log/. DESTRUCTION_LOG_BUCKET puts it in a bucket of its own, reached
# like S3_BUCKET (S3_ENDPOINT_URL, S3_REGION, the same credentials, S3_SERVER_SIDE_ENCRYPTION):
# give that bucket versioning or S3 Object Lock, and never roll it back with a restore.
DESTRUCTION_LOG_STORAGE: dict[str, object] | None = None
if env("DESTRUCTION_LOG_BUCKET", default=""):
    DESTRUCTION_LOG_STORAGE = s3_storage(
        bucket=env("DESTRUCTION_LOG_BUCKET"),
        endpoint_url=env("S3_ENDPOINT_URL", default=""),
        region=env("S3_REGION", default=""),
        encryption=env("S3_SERVER_SIDE_ENCRYPTION", default="AES256"),
        kms_key_id=env("S3_KMS_KEY_ID", default=""),
    )

if SENTRY_DSN:
    from safeguard.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT or None)
