"""Reads of the school's files in retention, scoped by the acting user (docs/adr/0016)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from safeguard.access import access_for, get_for_actor_or_404
from safeguard.roles import Perm

from ..models import Retention


def retentions_for(*, actor: Any, school: Any) -> QuerySet[Retention]:
    """The school's files in retention, soonest to be destroyed first (DSL and deputies)."""
    if not access_for(actor).has(Perm.TRANSFER_CP_FILES, school.pk):
        return Retention.objects.none()
    return (
        Retention.objects.filter(school=school)
        .select_related("pupil", "transfer")
        .order_by("state", "destroy_on", "pk")
    )


def retention_get(*, actor: Any, pk: Any) -> Retention:
    """One file in retention; another school's, or a missing one, is the same 404."""
    return get_for_actor_or_404(
        Retention.objects.select_related("pupil", "transfer", "school"),
        actor=actor,
        perm=Perm.TRANSFER_CP_FILES,
        pk=pk,
    )
