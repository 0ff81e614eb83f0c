"""Concern fixtures: the world's trusts get the default categories; a helper writes a full draft."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from concerns import services
from concerns.models import Category, Concern
from schools.models import Pupil, User
from tests.support.world import World


@pytest.fixture
def categories(world: World) -> dict[str, Category]:
    for school in (world.school, world.other_school):
        services.category_seed_defaults(trust=school.trust)
    return {
        c.label: c
        for c in Category.objects.filter(trust=world.school.trust).select_related("parent")
    }


def draft(
    author: User,
    pupils: list[Pupil],
    categories: dict[str, Category],
    *,
    danger: bool = False,
    account: str = "At 10:40 in the playground Sam said: “my dad hit me with a belt.”",
) -> Concern:
    """A complete draft, ready to submit."""
    concern = services.concern_start(actor=author, school=pupils[0].school)
    for pupil in pupils:
        involvement = services.concern_pupil_add(actor=author, concern=concern, pupil=pupil)
        services.involvement_update(
            actor=author,
            involvement=involvement,
            kind="experienced",
            category_ids=[categories["Physical abuse"].pk],
        )
    return services.concern_draft_update(
        actor=author,
        concern=concern,
        values={
            "incident_at": timezone.now() - datetime.timedelta(hours=1),
            "location": "Playground",
            "reason_for_recording": "A disclosure of physical harm",
            "account": account,
            "immediate_danger": danger,
        },
    )


def draft_post(concern: Concern, **fields: str) -> dict[str, str]:
    """The draft form's answers as a browser sends them: every box empty but the pupils'
    involvement, then `fields`."""
    data = {
        "incident_day": "",
        "incident_month": "",
        "incident_year": "",
        "incident_time": "",
        "location": "",
        "reason_for_recording": "",
        "account": "",
        "immediate_danger": "",
    }
    for involvement in concern.involvements.all():
        data[f"involvement-present-{involvement.pk}"] = "1"
        data[f"involvement-{involvement.pk}"] = involvement.involvement
    return data | fields
