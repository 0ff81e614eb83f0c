"""Reads of schools' signing keys, scoped to the people who send CP files (the DSL, deputies)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from safeguard.access import get_for_actor_or_404, scope
from safeguard.roles import Perm
from schools.models import School

from ..models import SigningKey


def signing_key_list_for(*, actor: Any, school: School) -> QuerySet[SigningKey]:
    """The school's keys, the active one first, then newest first (history kept for checks)."""
    return (
        scope(SigningKey.objects.filter(school=school), actor=actor, perm=Perm.TRANSFER_CP_FILES)
        .select_related("issuer_ca", "created_by")
        .order_by("-active", "-created_at")
    )


def signing_key_get_for(*, actor: Any, pk: Any) -> SigningKey:
    """One key of a school where the actor sends CP files; otherwise the same 404."""
    return get_for_actor_or_404(
        SigningKey.objects.select_related("issuer_ca", "school"),
        actor=actor,
        perm=Perm.TRANSFER_CP_FILES,
        pk=pk,
    )
