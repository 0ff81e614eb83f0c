"""Pages of the kernel: school switching, the health check and the accessibility statement (the
home page is in `home`)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .http import SafeguardRequest, page_to_return_to


@require_POST
@login_required
def school_switch(request: SafeguardRequest) -> HttpResponse:
    """Act in another school the user works in; a school they do not work in is a 404."""
    slug = request.POST.get("school", "")
    school = next((s for s in request.schools.available if s.slug == slug), None)
    if school is None:
        raise Http404("No such school.")
    request.schools.switch_to(school)
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


# What the statement's "How we tested" says, from the last run of the automated checks
# (tests/browser/test_accessibility_in_browser.py, which fails if the run checked fewer).
TESTED = {
    "pages": 580,  # page views, every role (591 on 6 December 2026)
    "fewest": 9,  # someone not signed in
    "most": 95,  # the designated safeguarding lead (98)
    "error_pages": 60,  # forms sent empty (63)
    "axe_version": "4.14.1",
}


@require_GET
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (docs/adr/0047): public, linked from every page's footer, about
    the service and no one's records."""
    return render(
        request,
        "safeguard/accessibility.html",
        {"contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL, "tested": TESTED},
    )
