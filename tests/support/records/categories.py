"""Category-governance records for the tenancy matrix: a category of the school's trust and a
request for a new one from the school's DSL."""

from __future__ import annotations

from typing import Any

from concerns.models import Category
from oversight.categories import services as category_services


def category_records(school: Any, manager: Any) -> tuple[Any, Any]:
    category = Category.objects.filter(trust=school.trust, parent__isnull=True).order_by("pk")[0]
    request = category_services.category_request_create(
        actor=manager,
        school=school,
        # Named after the school: two schools of one trust may not ask for the same name at once.
        name=f"Fabricated or induced illness ({school.slug})",
        parent=None,
        reason="Two concerns this term fitted no category on the list.",
    )
    return category, request
