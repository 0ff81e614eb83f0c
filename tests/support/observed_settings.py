"""The test settings, with a URL that fails on purpose (tests/safeguard/test_observed_server.py).
Sentry starts from the settings as in production: when SENTRY_DSN is set."""

from safeguard.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.support.observed_urls"
