"""Reads of schools, memberships and pupils, always scoped by the acting user."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from safeguard.access import access_for, get_for_actor_or_404, scope
from safeguard.roles import ROLES, Perm, RoleKey

from .models import (
    Pupil,
    School,
    SchoolClosure,
    SchoolMembership,
    TrustMembership,
    User,
    search_key,
)


def school_list_for(*, actor: Any) -> QuerySet[School]:
    """The schools where the actor holds any role, by name."""
    return School.objects.filter(pk__in=access_for(actor).school_ids()).select_related("trust")


def pupil_list_for(
    *, actor: Any, school: School, query: str = "", include_left: bool = False
) -> QuerySet[Pupil]:
    """Pupils of one school the actor may see, matching every word of `query`."""
    pupils = scope(Pupil.objects.all(), actor=actor, perm=Perm.VIEW_PUPILS).filter(school=school)
    if not include_left:
        pupils = pupils.filter(Q(left_on__isnull=True) | Q(left_on__gt=timezone.localdate()))
    for word in search_key(query).split()[:5]:
        pupils = pupils.filter(search_text__contains=word)
    return pupils.order_by("legal_last_name", "legal_first_name", "id")


def pupil_get_for(*, actor: Any, pk: Any) -> Pupil:
    """One pupil the actor may see, or the same 404 for missing and forbidden."""
    return get_for_actor_or_404(
        Pupil.objects.select_related("school"), actor=actor, perm=Perm.VIEW_PUPILS, pk=pk
    )


def cp_pupil_get_for(*, actor: Any, pk: Any) -> Pupil:
    """A pupil whose CP records the actor may read (else the same 404 as for anything else)."""
    return get_for_actor_or_404(
        Pupil.objects.select_related("school"), actor=actor, perm=Perm.READ_CP_RECORDS, pk=pk
    )


def safeguarding_leads(school: School | int) -> list[User]:
    """The DSLs and deputies of a school, or of a school id (who triage and are alerted)."""
    return list(
        User.objects.filter(
            school_memberships__school=school,
            school_memberships__role__in=[RoleKey.DSL, RoleKey.DEPUTY],
            is_active=True,
        ).distinct()
    )


def designated_leads(school: School | int) -> list[User]:
    """The Designated Safeguarding Leads of a school (not the deputies), by name: who to speak
    to about a record restricted from someone."""
    return list(
        User.objects.filter(
            school_memberships__school=school,
            school_memberships__role=RoleKey.DSL,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def role_labels_for(*, actor: Any, school: School) -> list[str]:
    """The roles the actor holds in `school`, directly or through its trust, in plain words."""
    keys = list(
        SchoolMembership.objects.filter(user_id=actor.pk, school=school).values_list(
            "role", flat=True
        )
    ) + list(
        TrustMembership.objects.filter(user_id=actor.pk, trust_id=school.trust_id).values_list(
            "role", flat=True
        )
    )
    return [ROLES[k].label for k in keys if k in ROLES]


def school_closure_list_for(*, actor: Any, school: School) -> QuerySet[SchoolClosure]:
    """The school's closures, in date order, for whoever keeps its term dates."""
    return scope(SchoolClosure.objects.all(), actor=actor, perm=Perm.MANAGE_STAFF).filter(
        school=school
    )


def school_closure_get_for(*, actor: Any, pk: Any) -> SchoolClosure:
    """One closure the actor keeps (the school administrator), else 404."""
    return get_for_actor_or_404(
        SchoolClosure.objects.select_related("school"), actor=actor, perm=Perm.MANAGE_STAFF, pk=pk
    )
