"""Each request's id (docs/adr/0039): taken from a well-formed `X-Request-ID` the proxy sent, or
made here; kept for the request's life so every log line written meanwhile carries it, returned
as a response header, and handed to the tasks the request queues.

The WSGI environ is the same dict gunicorn logs its access line from, so the id and the URL's
route pattern (never the path someone typed, never the query string) are left in it for
`safeguard.gunicorn_logging`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# What an incoming id may be: letters, digits and `-_.:`, 8 to 64 of them. Anything else (a
# longer one, spaces, quotes, a name) is replaced by one made here.
WELL_FORMED = re.compile(r"[A-Za-z0-9._:-]{8,64}")
# Left in the WSGI environ for gunicorn's access line.
ENVIRON_ID = "safeguard.request_id"
ENVIRON_ROUTE = "safeguard.route"

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def well_formed(value: str | None) -> str | None:
    """The id as given if it is well formed, else None."""
    if value and WELL_FORMED.fullmatch(value):
        return value
    return None


def route_of(request: HttpRequest) -> str | None:
    """The URL's route pattern (`pupils/<uuid:pk>/`), `static` for a static file, or None for a
    path that matched no route: never the path itself, which anyone can type anything into."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route is not None:
        return "/" + str(match.route).lstrip("^")
    path = getattr(request, "path_info", "") or ""
    if settings.STATIC_URL and path.startswith(str(settings.STATIC_URL)):
        return "static"
    return None


class RequestIdMiddleware:
    """First in MIDDLEWARE: every later middleware's and view's log line carries the id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = well_formed(request.META.get("HTTP_X_REQUEST_ID")) or new_request_id()
        request.META[ENVIRON_ID] = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request.META[ENVIRON_ROUTE] = route_of(request)
            request_id.reset(token)
        response[HEADER] = rid
        return response
