"""The notification centre: a person's own notifications, read and opened."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from schools.selectors import designated_leads

from .http import SafeguardRequest, acting_school
from .notifications import (
    inbox_school_ids,
    kind_label,
    notification_get_for,
    notification_mark_read,
    notification_safe_link,
    notifications_for,
    notifications_mark_all_read,
    unread_notifications_for,
    withheld_links,
)

PER_PAGE = 25


def _all_schools(data: Any) -> bool:
    return data.get("all") == "1"


def _back(all_schools: bool) -> str:
    return reverse("notification-list") + ("?all=1" if all_schools else "")


@require_GET
@login_required
def notification_list(request: SafeguardRequest) -> HttpResponse:
    """The person's notifications in the acting school (or in all their schools), newest first."""
    acting = acting_school(request)
    all_schools = _all_schools(request.GET) or acting is None
    school = None if all_schools else acting
    # The trust safeguarding officer's inbox is every school of the trust (issue 20).
    trust_inbox = (
        school is not None and len(inbox_school_ids(actor=request.user, school=school)) > 1
    )
    rows = notifications_for(actor=request.user, school=school, inbox=True).select_related("school")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    withheld = withheld_links(actor=request.user, links=[n.link for n in page])
    for n in page:
        n.kind_label = kind_label(n.kind)  # type: ignore[attr-defined]
        n.withheld = n.link in withheld  # type: ignore[attr-defined]
    context: dict[str, Any] = {
        "page": page,
        "page_numbers": page.paginator.get_elided_page_range(page.number, on_each_side=2),
        "query_string": "all=1" if all_schools else "",
        "all_schools": all_schools,
        "trust_inbox": trust_inbox,
        "several_schools": len(request.schools.available) > 1 and not trust_inbox,
        "unread": unread_notifications_for(actor=request.user, school=school, inbox=True).count(),
    }
    return render(request, "safeguard/notifications.html", context)


@require_POST
@login_required
def notification_read(request: HttpRequest, pk: Any) -> HttpResponse:
    """Mark one notification read and go back to the list."""
    notification = notification_get_for(actor=request.user, pk=pk)
    notification_mark_read(actor=request.user, notification=notification)
    return redirect(_back(_all_schools(request.POST)))


@require_POST
@login_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification read, in the acting school or in all the person's schools."""
    acting = acting_school(request)
    all_schools = _all_schools(request.POST) or acting is None
    school = None if all_schools else acting
    marked = notifications_mark_all_read(actor=request.user, school=school, inbox=True)
    if marked:
        messages.success(
            request, f"{marked} notification{'' if marked == 1 else 's'} marked as read."
        )
    return redirect(_back(all_schools))


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: Any) -> HttpResponse:
    """Mark the notification read, then go to the page it is about (only ever a page of ours)."""
    notification = notification_get_for(actor=request.user, pk=pk)
    notification_mark_read(actor=request.user, notification=notification)
    if withheld_links(actor=request.user, links=[notification.link]):
        return redirect("notification-restricted", pk=notification.pk)
    target = notification_safe_link(notification.link)
    if target is None:
        messages.error(request, "That notification's link cannot be opened.")
        return redirect(_back(_all_schools(request.POST)))
    return redirect(target)


@require_GET
@login_required
def notification_restricted(request: HttpRequest, pk: Any) -> HttpResponse:
    """Where one's notification leads when the record it is about was restricted since (ADR
    0032): says so and who to speak to (the school's DSL and deputies), and nothing of the
    record. Only for the recipient, and only while the record is withheld from them; else on to
    the record."""
    notification = notification_get_for(actor=request.user, pk=pk)
    if not withheld_links(actor=request.user, links=[notification.link]):
        target = notification_safe_link(notification.link)
        return redirect(target or "notification-list")
    leads = designated_leads(notification.school_id)
    return render(
        request,
        "safeguard/notification_restricted.html",
        {
            "notification": notification,
            "kind_label": kind_label(notification.kind),
            "leads": leads,
            "school": notification.school,
        },
    )
