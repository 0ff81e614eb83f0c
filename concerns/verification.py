"""Concerns, addenda, DSL records and completed actions re-hashed from their current rows, many at
once, for the chain ledger's check (registered in `ConcernsConfig.ready()`; docs/adr/0030). Each
uses the content function that signed the record (`concerns/content.py`), fed from rows fetched in
a fixed number of queries whatever the number of records: one per table, the rows grouped here
(Django's prefetching builds a query set per record, which costs more than the hashing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from chronology.ledger.sources import Answer, Cited, Context, answer, cited_ids
from safeguard.signing import content_hash

from .content import (
    action_done_content,
    addendum_content,
    concern_content,
    dsl_record_content,
    reassessment_review_content,
)
from .models import (
    Action,
    Addendum,
    AdviceSought,
    Attachment,
    BodyMapMark,
    Concern,
    ConcernPupil,
    DslRecord,
    InvolvementCategory,
    ReassessmentReview,
)


def _grouped(rows: Iterable[Any], key: str) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, key)].append(row)
    return groups


def concerns_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """Signed concerns, with their pupils' parts, categories, body-map marks and attachments. A
    concern shared with a child whose file here was destroyed has that child's part blank: it
    cannot be recomputed."""
    ids = cited_ids(cited)
    mine = {"school_id": context.school_id, "concern_id__in": ids}
    rows = list(ConcernPupil.objects.filter(**mine))
    involvements = _grouped(rows, "concern_id")
    labels: dict[Any, list[str]] = defaultdict(list)
    # By the involvements' own ids: a join to the concerns could be planned badly.
    for involvement_id, label in InvolvementCategory.objects.filter(
        school_id=context.school_id, involvement_id__in=[i.pk for i in rows]
    ).values_list("involvement_id", "label"):
        labels[involvement_id].append(label)
    marks = _grouped(BodyMapMark.objects.filter(**mine), "concern_id")
    attachments = _grouped(Attachment.objects.filter(**mine), "concern_id")
    hashes: dict[Any, frozenset[str] | None] = {}
    for concern in Concern.objects.filter(school_id=context.school_id, pk__in=ids):
        pupils = involvements.get(concern.pk, [])
        if any(str(i.pupil_id) in context.destroyed_pupils for i in pupils):
            hashes[concern.pk] = None
            continue
        content = concern_content(
            concern,
            pupils,
            marks.get(concern.pk, []),
            attachments.get(concern.pk, []),
            category_labels=labels,
        )
        hashes[concern.pk] = frozenset({content_hash(content)})
    return answer(cited, hashes)


@dataclass(frozen=True)
class _SignedConcern:
    """What an addendum's or a DSL record's content reads of its concern: its id and hash (a
    concern row per record would cost more than the hashing)."""

    pk: Any
    content_hash: str


def _signed_concerns(school_id: int, concern_ids: Iterable[Any]) -> dict[Any, _SignedConcern]:
    rows = Concern.objects.filter(school_id=school_id, pk__in=set(concern_ids))
    return {pk: _SignedConcern(pk, h) for pk, h in rows.values_list("pk", "content_hash")}


def addenda_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """Addenda, each bound to its concern's hash."""
    addenda = list(Addendum.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited)))
    concerns = _signed_concerns(context.school_id, (a.concern_id for a in addenda))
    return answer(
        cited,
        {
            a.pk: {content_hash(addendum_content(a, concerns[a.concern_id]))}
            for a in addenda
            if a.concern_id in concerns
        },
    )


def dsl_records_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """Signed DSL records (Part 2) with the advice sought, each bound to its concern's hash."""
    ids = cited_ids(cited)
    records = list(DslRecord.objects.filter(school_id=context.school_id, pk__in=ids))
    concerns = _signed_concerns(context.school_id, (r.concern_id for r in records))
    advice = _grouped(
        AdviceSought.objects.filter(school_id=context.school_id, dsl_record_id__in=ids),
        "dsl_record_id",
    )
    return answer(
        cited,
        {
            r.pk: {
                content_hash(dsl_record_content(r, concerns[r.concern_id], advice.get(r.pk, [])))
            }
            for r in records
            if r.concern_id in concerns
        },
    )


def actions_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """Completed actions: what was done, when, by whom."""
    actions = Action.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited))
    return answer(cited, {a.pk: {content_hash(action_done_content(a))} for a in actions})


def reassessment_reviews_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """Re-assessment reviews: the decision and its reasons, who and when. A review of a child
    whose file here was destroyed has its reasons blank: it cannot be recomputed."""
    reviews = ReassessmentReview.objects.filter(
        school_id=context.school_id, pk__in=cited_ids(cited)
    )
    return answer(
        cited,
        {
            r.pk: None
            if str(r.pupil_id) in context.destroyed_pupils
            else {content_hash(reassessment_review_content(r))}
            for r in reviews
        },
    )
