"""Reading the access log: the DSL reads a pupil's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import AccessLog


def access_log_for_pupil(*, pupil: Any) -> QuerySet[AccessLog]:
    """Every recorded view of the pupil's CP records, newest first (the caller checks the DSL)."""
    return AccessLog.objects.filter(pupil=pupil).select_related("user").order_by("-created_at")
