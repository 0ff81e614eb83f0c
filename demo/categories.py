"""The demo trust's category requests, through the services: one approved (so the list's history
shows an addition asked for by a school), one declined with its reason, one waiting for the TSO."""

from __future__ import annotations

from typing import Any

from concerns.models import Category
from oversight.categories import services
from oversight.models import CategoryRequest
from schools.models import School, User

# (school slug, who asks, name, heading, why, decision, the TSO's reason or corrected name)
DEMO_REQUESTS: list[tuple[str, str, str, str | None, str, str, str]] = [
    (
        "alderbrook",
        "dsl",
        "Fabricated or induced illness",
        "Family circumstances",
        "We have recorded two concerns this year where a parent described illnesses and "
        "appointments the school could not match to anything we saw. Neither fitted a category, "
        "so both went under Other and do not show in our figures.",
        "approve",
        "Added for every school: it is named in Keeping children safe in education.",
    ),
    (
        "leicester-road",
        "dsl",
        "Fights at break time",
        None,
        "Most of our concerns at lunchtime are fights between pupils.",
        "decline",
        "Please record these under Child-on-child abuse > Physical abuse by another child, so "
        "they are counted with the same incidents in the other schools.",
    ),
    (
        "southend-bay",
        "deputy",
        "Homelessness or at risk of homelessness",
        "Family circumstances",
        "Three families have been placed in temporary accommodation this term and the children "
        "have moved twice. We need to see these together when we review.",
        "",
        "",
    ),
]


def seed_demo_categories(*, tso: Any) -> int:
    """Write the demo's category requests and decisions once; returns how many were written."""
    written = 0
    for slug, role, name, heading, why, decision, answer in DEMO_REQUESTS:
        school = School.objects.get(slug=slug)
        if CategoryRequest.objects.filter(school=school, name=name).exists():
            continue
        parent = (
            Category.objects.get(trust=school.trust, parent=None, name=heading) if heading else None
        )
        request = services.category_request_create(
            actor=User.objects.get(email=f"{role}@{slug}.example"),
            school=school,
            name=name,
            parent=parent,
            reason=why,
        )
        if decision == "approve":
            services.category_request_approve(actor=tso, request=request, name=name, reason=answer)
        elif decision == "decline":
            services.category_request_decline(actor=tso, request=request, reason=answer)
        written += 1
    return written
