"""Pages of the kernel: home, school switching, health check."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from safeguard.access import access_for
from safeguard.roles import Perm
from schools.selectors import role_labels_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the signed-in person can do in the school they are acting in."""
    school = request.schools.acting  # type: ignore[attr-defined]
    roles = role_labels_for(actor=request.user, school=school) if school else []
    context: dict[str, Any] = {"roles": roles}
    if school is not None and access_for(request.user).has(Perm.READ_CP_RECORDS, school):
        from referrals.selectors import referral_counts

        context["referrals"] = referral_counts(actor=request.user, school=school)
        context["missing_now"] = _missing_now(request, school)
    if school is not None and access_for(request.user).has(Perm.MANAGE_CATEGORIES, school):
        from oversight.categories.selectors import trust_category_requests_for

        context["category_requests_waiting"] = trust_category_requests_for(
            actor=request.user, trust_id=school.trust_id, pending=True
        ).count()
    if school is not None:
        from oversight.qa.selectors import qa_home_count

        context["qa_waiting"] = qa_home_count(actor=request.user, school=school)
    from schools.staff.selectors import role_requests_waiting_count

    context["roles_waiting"] = role_requests_waiting_count(actor=request.user, school=school)
    return render(request, "safeguard/home.html", context)


def _missing_now(request: HttpRequest, school: Any) -> list[Any]:
    """The pupils missing now, for the people who read CP records (their view is logged)."""
    from audit.services import access_log_write
    from concerns.missing_selectors import open_missing_episodes_for

    episodes = list(open_missing_episodes_for(actor=request.user, school=school))
    if episodes:
        access_log_write(
            request=request,
            school_id=school.pk,
            what="missing_list",
            pupil_ids=sorted({e.pupil_id for e in episodes}, key=str),
        )
    return episodes


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
