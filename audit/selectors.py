"""Reading the audit: the DSL reads a pupil's access log; the head and the DSL read what the
platform administrator did at their school."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from safeguard.access import access_for
from safeguard.roles import Perm

from .models import AccessLog, PlatformAdminEvent


def access_log_for_pupil(*, pupil: Any) -> QuerySet[AccessLog]:
    """Every recorded view of the pupil's CP records, newest first (the caller checks the DSL)."""
    return AccessLog.objects.filter(pupil=pupil).select_related("user").order_by("-created_at")


def platform_admin_events_for(*, actor: Any, school: Any) -> QuerySet[PlatformAdminEvent]:
    """What the platform administrator did at the school, newest first (its head and DSL)."""
    if school is None or not access_for(actor).has(Perm.VIEW_PLATFORM_ADMIN_EVENTS, school):
        return PlatformAdminEvent.objects.none()
    return PlatformAdminEvent.objects.filter(school=school).order_by("-created_at", "-pk")
