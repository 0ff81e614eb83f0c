"""The trust's two-level category list: seeding the defaults, and the categories offered on a
new concern."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from schools.models import School

from ..categories import DEFAULT_CATEGORIES
from ..models import Category


@transaction.atomic
def category_seed_defaults(*, trust: Any) -> int:
    """Give a trust the default two-level list (idempotent); returns how many were added."""
    tops = {c.name: c for c in Category.objects.filter(trust=trust, parent__isnull=True)}
    new_tops = [
        Category(trust=trust, parent=None, name=name, position=position)
        for position, (name, _) in enumerate(DEFAULT_CATEGORIES)
        if name not in tops
    ]
    for category in Category.objects.bulk_create(new_tops):
        tops[category.name] = category
    existing = set(
        Category.objects.filter(trust=trust, parent__isnull=False).values_list("parent_id", "name")
    )
    new_children = [
        Category(trust=trust, parent=tops[name], name=child, position=position)
        for name, children in DEFAULT_CATEGORIES
        for position, child in enumerate(children)
        if (tops[name].pk, child) not in existing
    ]
    Category.objects.bulk_create(new_children)
    return len(new_tops) + len(new_children)


def categories_for(*, school: School) -> list[Category]:
    """The trust's categories in use (retired ones stay on old records, not in new choices)."""
    return list(
        Category.objects.filter(trust_id=school.trust_id, retired_at__isnull=True)
        .select_related("parent")
        .order_by("parent__position", "parent__name", "position", "name")
    )
