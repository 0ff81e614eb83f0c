"""A concern written, and decided by the DSL, through the services: the steps the demo's seeds share."""

from __future__ import annotations

import datetime
from typing import Any

from concerns import services
from concerns.models import Category, Concern
from schools.models import Pupil, User


def write_concern(
    author: User,
    pupils: list[tuple[Pupil, str, list[str]]],
    labels: dict[str, Category],
    *,
    incident_at: datetime.datetime,
    location: str,
    reason: str,
    account: str,
    opinion: str = "",
    actions: str = "",
    danger: bool = False,
    submit: bool = True,
) -> Concern:
    """A concern written by `author` about `pupils` (pupil, involvement, category labels), and
    submitted unless `submit` is false."""
    concern = services.concern_start(actor=author, school=pupils[0][0].school)
    for pupil, kind, category_labels in pupils:
        involvement = services.concern_pupil_add(actor=author, concern=concern, pupil=pupil)
        ids: set[int] = set()
        for label in category_labels:
            category = labels[label]
            ids.add(category.pk)
            if category.parent_id is not None:
                ids.add(category.parent_id)
        services.involvement_update(
            actor=author, involvement=involvement, kind=kind, category_ids=sorted(ids)
        )
    services.concern_draft_update(
        actor=author,
        concern=concern,
        values={
            "incident_at": incident_at,
            "location": location,
            "reason_for_recording": reason,
            "account": account,
            "professional_opinion": opinion,
            "actions_taken": actions,
            "immediate_danger": danger,
        },
    )
    return services.concern_submit(actor=author, concern=concern) if submit else concern


def decide_concern(dsl: User, concern: Concern, values: dict[str, Any]) -> None:
    """The DSL opens the concern, records the decision `values` and signs it."""
    record = services.concern_open(actor=dsl, concern=concern)
    record = services.dsl_record_save(
        actor=dsl, record=record, values=values, expected_version=record.version
    )
    services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
