"""The head's and DSL's page of what the platform administrator did at their school."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safeguard.http import acting_school_or_403
from safeguard.roles import Perm

from . import selectors

EVENTS_PER_PAGE = 50


@login_required
@require_GET
def platform_admin_event_list(request: HttpRequest) -> HttpResponse:
    """Every platform-administration action that touched the acting school, newest first."""
    school = acting_school_or_403(request, Perm.VIEW_PLATFORM_ADMIN_EVENTS)
    events = selectors.platform_admin_events_for(actor=request.user, school=school)
    page = Paginator(events, EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/platform_admin_event_list.html",
        {
            "school": school,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        },
    )
