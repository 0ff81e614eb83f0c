"""Writing the audit: who viewed which child's CP records (the access log), and what the platform
administrator did to a school."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from safeguard.client_ip import client_ip
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import CP_ROLE_CONFIRMERS
from schools.models import User

from .models import AccessLog, PlatformAdminAction, PlatformAdminEvent


def access_log_write(
    *, request: HttpRequest, school_id: int, what: str, pupil_ids: list[Any], record_id: Any = ""
) -> None:
    """One row per pupil whose record was shown, each once (a list naming no pupil: one row
    without a pupil, so opening it is still recorded); no narrative text, ever."""
    ip = client_ip(request)
    rows = [
        AccessLog(
            school_id=school_id,
            user=cast("User", request.user),  # views log only for signed-in people
            pupil_id=pupil_id,
            what=what,
            record_id=str(record_id) if record_id else "",
            ip_address=ip,
        )
        for pupil_id in (list(dict.fromkeys(pupil_ids)) or [None])
    ]
    AccessLog.objects.bulk_create(rows)


# --- What the platform administrator did to a school (docs/adr/0025) ------------------------------

# Who is told, and reads the list: the school's headteacher and DSL.
# The head and the DSL are told of what the platform administrator does at their school.
PLATFORM_WATCHER_ROLES = CP_ROLE_CONFIRMERS
SUBJECT_MAX = 300
DETAIL_MAX = 2000


def _platform_watchers(school_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            school_memberships__school_id=school_id,
            school_memberships__role__in=PLATFORM_WATCHER_ROLES,
        ).distinct()
    )


@transaction.atomic
def platform_admin_event_record(
    *, actor: Any, schools: Iterable[Any], action: str, subject: str, detail: str = ""
) -> list[PlatformAdminEvent]:
    """Record one platform-administration action for each school it touches, and tell each
    school's head and DSL (the title names the school and the action, never a child)."""
    label = PlatformAdminAction(action).label
    subject = str(subject).replace("\x00", "")[:SUBJECT_MAX]
    detail = str(detail).replace("\x00", "")[:DETAIL_MAX]
    events: list[PlatformAdminEvent] = []
    for school in {s.pk: s for s in schools}.values():
        event = PlatformAdminEvent(
            school=school,
            actor=actor if getattr(actor, "pk", None) else None,
            actor_name=(getattr(actor, "full_name", "") or "Platform administrator")[:150],
            actor_email=(getattr(actor, "email", "") or "")[:254],
            action=action,
            subject=subject,
            detail=detail,
        )
        event.full_clean()
        event.save()
        events.append(event)
        notify(
            school=school,
            recipients=_platform_watchers(school.pk),
            kind=NotificationKind.PLATFORM_ADMIN_ACTION,
            title=f"The platform administrator: {label.lower()} ({school.name})",
            link=reverse("platform-admin-event-list"),
        )
    return events
