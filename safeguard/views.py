"""Pages of the kernel: school switching and the health check (the home page is in `home`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .http import page_to_return_to


@require_POST
@login_required
def school_switch(request: HttpRequest) -> HttpResponse:
    """Act in another school the user works in; a school they do not work in is a 404."""
    slug = request.POST.get("school", "")
    school = next((s for s in request.schools.available if s.slug == slug), None)  # type: ignore[attr-defined]
    if school is None:
        raise Http404("No such school.")
    request.schools.switch_to(school)  # type: ignore[attr-defined]
    # Back to the page the switch was made from, query string and all, if it is one of ours:
    # record pages stay reachable after a switch (they show which school the record belongs to),
    # so the person lands where they were.
    return redirect(page_to_return_to(request, request.POST.get("next"), "/"))


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
