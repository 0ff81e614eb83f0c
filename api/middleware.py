"""A body larger than the API takes is refused as a problem (413) before anything reads it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .problems import problem


class ApiBodyLimitMiddleware:
    """On `/api/`, refuse a body over `API_LARGEST_BODY` with a problem, not the pages' HTML (the
    pages' own limit, `RequestSizeLimitMiddleware`, comes after it and is larger)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.API_LARGEST_BODY:
                limit = -(-settings.API_LARGEST_BODY // (1024 * 1024))  # in MB, rounded up
                return JsonResponse(
                    problem(
                        413,
                        f"The API takes bodies of up to {limit} MB: send fewer pupils in each "
                        "call. Nothing was changed.",
                    ),
                    status=413,
                    content_type="application/problem+json",
                )
        return self.get_response(request)
