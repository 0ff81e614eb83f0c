"""The product's URLs and one that fails, reading what was posted into its exception's message
and a local variable: an error report must carry neither."""

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def fail(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    email = request.POST.get("email", "")
    logging.getLogger("tests.observed").info("looking the pupil up")
    raise ValueError(f"No pupil called {name} ({email})")


urlpatterns = [
    path("test-only/fail/", fail),
    path("", include("safeguard.urls")),
]

handler404 = "api.problems.not_found"
handler500 = "api.problems.server_error"
