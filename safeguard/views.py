"""Pages of the kernel: school switching and the health check (the home page is in `home`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST


@require_POST
@login_required
def school_switch(request: HttpRequest) -> HttpResponse:
    """Act in another school the user works in; a school they do not work in is a 404."""
    slug = request.POST.get("school", "")
    school = next((s for s in request.schools.available if s.slug == slug), None)  # type: ignore[attr-defined]
    if school is None:
        raise Http404("No such school.")
    request.schools.switch_to(school)  # type: ignore[attr-defined]
    return redirect(_switch_target(request, request.POST.get("next", "")))


def _switch_target(request: HttpRequest, target: str) -> str:
    """Back to the page the switch was made from, query string and all, if it is one of ours.

    Record pages stay reachable after a switch (they show which school the record belongs to), so
    the person lands where they were.
    """
    if not target or not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    try:
        resolve(urlsplit(target).path)
    except Resolver404:
        return "/"
    return target


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
