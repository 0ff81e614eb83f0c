"""Reads for category governance, scoped to the actor: the TSO sees their trust's list, history
and every school's requests; a DSL or deputy sees their own school's requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from concerns.models import Category, ConcernStatus, InvolvementCategory
from oversight.models import CategoryChange, CategoryRequest, CategoryRequestStatus
from safeguard.access import access_for, get_or_404
from safeguard.roles import Perm


def category_list_for(*, actor: Any) -> QuerySet[Category]:
    """Every category (in use and retired) of the trusts whose list the actor keeps."""
    return Category.objects.filter(
        trust_id__in=access_for(actor).trust_ids_with(Perm.MANAGE_CATEGORIES)
    ).select_related("parent")


def category_get_for(*, actor: Any, pk: Any) -> Category:
    """One category of a list the actor keeps; another trust's, or none, is the same 404."""
    return get_or_404(category_list_for(actor=actor), pk=pk)


@dataclass
class Heading:
    category: Category
    children: list[Category] = field(default_factory=list)


def category_tree_for(*, actor: Any, trust_id: int) -> list[Heading]:
    """The trust's list as the TSO reads it: headings in order, each with its categories."""
    rows = list(
        category_list_for(actor=actor)
        .filter(trust_id=trust_id)
        .order_by("parent_id", "position", "name")
    )
    headings = {c.pk: Heading(c) for c in rows if c.parent_id is None}
    for c in rows:
        if c.parent_id is not None and c.parent_id in headings:
            headings[c.parent_id].children.append(c)
    return sorted(
        headings.values(), key=lambda h: (h.category.position, h.category.name.casefold())
    )


def category_headings_for(*, trust_id: int) -> QuerySet[Category]:
    """The headings in use, for choosing where a new category goes (no child's data)."""
    return Category.objects.filter(
        trust_id=trust_id, parent__isnull=True, retired_at__isnull=True
    ).order_by("position", "name")


def category_history_for(*, actor: Any, trust_id: int) -> QuerySet[CategoryChange]:
    """Every change to the trust's list, newest first (empty for anyone who does not keep it)."""
    trusts = access_for(actor).trust_ids_with(Perm.MANAGE_CATEGORIES)
    return CategoryChange.objects.filter(trust_id=trust_id, trust_id__in=trusts).order_by(
        "-changed_at", "-id"
    )


def category_request_list_for(*, actor: Any) -> QuerySet[CategoryRequest]:
    """Requests of the schools where the actor asks for categories (DSL, deputy) or decides on
    them (the TSO, every school of the trust)."""
    access = access_for(actor)
    schools = set(access.schools_with(Perm.MANAGE_CP_RECORDS)) | set(
        access.schools_with(Perm.MANAGE_CATEGORIES)
    )
    return CategoryRequest.objects.filter(school_id__in=schools).select_related(
        "school", "parent", "category"
    )


def category_request_get_for(*, actor: Any, pk: Any) -> CategoryRequest:
    """One request the actor may see; another school's or trust's, or none, is the same 404."""
    return get_or_404(category_request_list_for(actor=actor), pk=pk)


def school_category_requests_for(*, actor: Any, school: Any) -> QuerySet[CategoryRequest]:
    """One school's requests, newest first, for its DSL and deputies."""
    return (
        category_request_list_for(actor=actor)
        .filter(school_id=school.pk)
        .order_by("-created_at", "-id")
    )


def trust_category_requests_for(
    *, actor: Any, trust_id: int, pending: bool
) -> QuerySet[CategoryRequest]:
    """The trust's requests for the TSO: waiting ones oldest first, or decided ones newest first."""
    if trust_id not in access_for(actor).trust_ids_with(Perm.MANAGE_CATEGORIES):
        return CategoryRequest.objects.none()
    rows = CategoryRequest.objects.filter(school__trust_id=trust_id).select_related(
        "school", "parent", "category"
    )
    if pending:
        return rows.filter(status=CategoryRequestStatus.PENDING).order_by("created_at", "id")
    return rows.exclude(status=CategoryRequestStatus.PENDING).order_by("-decided_at", "-id")


def category_use_for(*, actor: Any, category: Category) -> int:
    """How many pupils' involvements in submitted concerns, in the schools of the category's
    trust, chose it or one of its categories (a count: no child's details)."""
    return (
        InvolvementCategory.objects.filter(
            school_id__in=access_for(actor).schools_with(Perm.MANAGE_CATEGORIES),
            category__trust_id=category.trust_id,
        )
        .filter(Q(category_id=category.pk) | Q(category__parent_id=category.pk))
        .exclude(involvement__concern__status=ConcernStatus.DRAFT)
        .count()
    )
