"""Errors as RFC 9457 problem details (`application/problem+json`): a type, a title in plain
English, the status, a detail, and for a refused body the problem with each field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response

PROBLEM_TYPE = "https://safeguard.invalid/problems/"  # a name, not a page: RFC 9457 section 3.1.1
TITLES = {
    400: "Your request has problems",
    401: "Not signed in: send your client secret as a Bearer token",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
    500: "Server error",
}
SLUGS = {
    400: "invalid-request",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    412: "precondition-failed",
    413: "too-large",
    415: "unsupported-media-type",
    429: "throttled",
    500: "server-error",
}


# Every 404 of the API says the same: another school's id, one that does not exist and an
# address that names no operation cannot be told apart.
NOT_FOUND = "Nothing here for this client: no such operation, school, trust or record."


def problem(status_code: int, detail: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE + SLUGS.get(status_code, "error"),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
    }
    if detail:
        body["detail"] = detail
    body.update(extra)
    return body


def _field_errors(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list of {"field": "pupils[3].upn", "message": ...}."""
    found: list[dict[str, str]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = key if not prefix else f"{prefix}.{key}"
            if isinstance(key, int):  # a list's item (DRF keys a list's errors by index)
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                name = prefix
            found += _field_errors(value, name)
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            found += [{"field": prefix, "message": str(v)} for v in detail]
        else:
            for i, value in enumerate(detail):
                if value:
                    found += _field_errors(value, f"{prefix}[{i}]")
    else:
        found.append({"field": prefix, "message": str(detail)})
    return found


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's exception handler, answering with a problem. Unlike DRF's own it does not mark the
    transaction for rollback: API views run outside one (each service is atomic on its own), and
    the call is still to be recorded."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None  # a server error: Django's own handler (handler500) answers
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = str(getattr(exc, "auth_header", ""))
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = f"{wait:.0f}"
    code = exc.status_code
    if isinstance(exc, exceptions.ValidationError):
        body = problem(
            code,
            "Nothing was changed. Correct the fields listed and send it again.",
            errors=_field_errors(exc.detail),
        )
    else:
        detail = exc.detail
        body = problem(code, str(detail) if not isinstance(detail, dict | list) else "")
    return Response(body, status=code, headers=headers, content_type="application/problem+json")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler404: on an API route a problem (an address that names no operation, such
    as a school id that is not a number), elsewhere the page."""
    if not request.path.startswith("/api/"):
        return defaults.page_not_found(request, exception)
    return JsonResponse(
        problem(status.HTTP_404_NOT_FOUND, NOT_FOUND),
        status=404,
        content_type="application/problem+json",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: on an API route a problem in the same form, elsewhere the page
    (never a trace, either way)."""
    if not request.path.startswith("/api/"):
        return defaults.server_error(request)
    return JsonResponse(
        problem(status.HTTP_500_INTERNAL_SERVER_ERROR, "Something went wrong on our side."),
        status=500,
        content_type="application/problem+json",
    )
