"""The canonical content of concerns, addenda, DSL records (Part 2) and completed actions: what
each signature covers. The one definition, used by the services to sign and by the open bundle
(`transfers/export/bundle.py`) to check, so the bytes signed and the bytes checked cannot drift
apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .models import Concern, DslRecord

# The DSL's decisions and their reasons (Part 2): what the draft saves and the signature covers.
DSL_FIELDS = [
    "received_from",
    "actions",
    "action_reasons",
    "action_details",
    "level_of_need",
    "level_of_need_reason",
    "parents_informed",
    "parents_informed_reason",
    "outcome",
    "outcome_given_by",
    "information_held_elsewhere",
    "cp_file_decision",
    "cp_file_reason",
]


def concern_signed_content(concern: Concern) -> dict[str, Any]:
    """The canonical content of a concern: what its signature covers."""
    return concern_content(
        concern,
        concern.involvements.prefetch_related("involvementcategory_set"),
        concern.body_marks.all(),
        concern.attachments.all(),
    )


def concern_content(
    concern: Any,
    involvements: Iterable[Any],
    body_marks: Iterable[Any],
    attachments: Iterable[Any],
    *,
    category_labels: Mapping[Any, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """A concern's canonical content from its rows (involvements with their
    `involvementcategory_set`): the one definition, used to sign, by the open bundle to check and
    by the chain check to re-hash. The chain check, reading many concerns at once, gives each
    involvement's category labels by its id (`category_labels`) instead."""

    def labels(involvement: Any) -> Iterable[str]:
        if category_labels is not None:
            return category_labels.get(involvement.pk, ())
        return (c.label for c in involvement.involvementcategory_set.all())

    return {
        "type": "concern",
        "id": concern.pk,
        "school_id": concern.school_id,
        "reference": concern.reference,
        "author_id": concern.author_id,
        "reporter_name": concern.reporter_name,
        "reporter_job_title": concern.reporter_job_title,
        "written_at": concern.written_at,
        "incident_at": concern.incident_at,
        "location": concern.location,
        "reason_for_recording": concern.reason_for_recording,
        "account": concern.account,
        "professional_opinion": concern.professional_opinion,
        "actions_taken": concern.actions_taken,
        "other_information": concern.other_information,
        "immediate_danger": concern.immediate_danger,
        "pupils": sorted(
            (
                {
                    "pupil_id": i.pupil_id,
                    "name": i.pupil_legal_name,
                    "known_as": i.pupil_known_as,
                    "date_of_birth": i.pupil_date_of_birth,
                    "upn": i.pupil_upn,
                    "year_group": i.pupil_year_group,
                    "registration_group": i.pupil_registration_group,
                    "involvement": i.involvement,
                    "involvement_other": i.involvement_other,
                    "categories": sorted(labels(i)),
                }
                for i in involvements
            ),
            key=lambda p: str(p["pupil_id"]),
        ),
        "body_map": [
            {
                "side": m.side,
                "x": m.x,
                "y": m.y,
                "description": m.description,
                "pupil_id": m.pupil_id,
            }
            for m in sorted(body_marks, key=lambda m: (m.created_at, m.pk))
        ],
        "attachments": [
            {"name": a.original_name, "content_type": a.content_type, "sha256": a.sha256}
            for a in sorted(attachments, key=lambda a: (a.created_at, a.pk))
        ],
    }


def addendum_content(addendum: Any, concern: Any) -> dict[str, Any]:
    """An addendum's canonical content, bound to the concern's hash."""
    return {
        "type": "addendum",
        "concern_id": concern.pk,
        "concern_hash": concern.content_hash,
        "author_id": addendum.author_id,
        "author_name": addendum.author_name,
        "author_job_title": addendum.author_job_title,
        "text": addendum.text,
        "signed_at": addendum.signed_at,
    }


def dsl_record_signed_content(record: DslRecord) -> dict[str, Any]:
    """The canonical content of a DSL record: what its signature covers."""
    return dsl_record_content(record, record.concern, record.advice.all())


def dsl_record_content(record: Any, concern: Any, advice: Iterable[Any]) -> dict[str, Any]:
    """The DSL record's (Part 2) canonical content from its rows, bound to the concern's hash."""
    return {
        "type": "dsl_record",
        "id": record.pk,
        "concern_id": record.concern_id,
        "concern_hash": concern.content_hash,
        "received_at": record.received_at,
        **{f: getattr(record, f) for f in DSL_FIELDS},
        "advice": [
            {
                "sought_at": a.sought_at,
                "name": a.name,
                "role": a.role,
                "organisation": a.organisation,
                "advice": a.advice,
            }
            for a in sorted(advice, key=lambda a: (a.sought_at, a.pk))
        ],
        "signed_by": record.signed_by_id,
        "signer_name": record.signer_name,
        "signer_role": record.signer_role,
        "signed_at": record.signed_at,
    }


def action_done_content(action: Any) -> dict[str, Any]:
    """What a completed action's chronology entry signs."""
    return {
        "type": "action_done",
        "id": action.pk,
        "description": action.description,
        "done_at": action.done_at,
        "done_by": action.done_by_id,
        "done_note": action.done_note,
    }


def reassessment_review_content(review: Any) -> dict[str, Any]:
    """What a re-assessment review signs: the pupil, the decision and its reasons, who and when."""
    return {
        "type": "reassessment_review",
        "id": review.pk,
        "school": review.school_id,
        "pupil": review.pupil_id,
        "outcome": review.outcome,
        "reasons": review.reasons,
        "signed_by": review.signed_by_id,
        "signer_name": review.signer_name,
        "signer_role": review.signer_role,
        "signed_at": review.signed_at,
    }
