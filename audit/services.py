"""Writing the access log: who viewed which child's CP records, when, from where."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest

from .models import AccessLog

if TYPE_CHECKING:
    from schools.models import User


def access_log_write(
    *, request: HttpRequest, school_id: int, what: str, pupil_ids: list[Any], record_id: Any = ""
) -> None:
    """One row per pupil whose record was shown (no narrative text, ever)."""
    ip = request.META.get("REMOTE_ADDR") or None
    rows = [
        AccessLog(
            school_id=school_id,
            user=cast("User", request.user),  # views log only for signed-in people
            pupil_id=pupil_id,
            what=what,
            record_id=str(record_id) if record_id else "",
            ip_address=ip,
        )
        for pupil_id in (pupil_ids or [None])
    ]
    AccessLog.objects.bulk_create(rows)
