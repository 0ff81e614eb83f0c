"""Production settings, for the many-processes test (test_many_processes.py) on 127.0.0.1.

Everything is `safeguard.settings.production`, read from the environment as a deployment reads it,
but for one thing: static files are served from where they are (as `safeguard.settings.test` does)
instead of from `collectstatic`'s hashed copies, which take about 20 seconds to make (every admin
and API-documentation file compressed twice) and would be written into the checkout's var/.

HTTPS is the TLS proxy's: the test's HTTP client plays the proxy (it sends X-Forwarded-Proto:
https, as docker-compose's proxy does), so HTTPS redirects, Secure cookies with their `__Host-`
names, and the CSRF origin checks are production's own.
"""

from safeguard.settings.production import *  # noqa: F403
from safeguard.settings.production import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
