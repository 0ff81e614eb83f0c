"""Quality assurance writes: draw a sample, choose a concern, submit a review, respond to one.

The trust safeguarding officer (Perm.QA_REVIEW, held on the trust) samples and reviews; the
school's DSL and deputies (Perm.MANAGE_CP_RECORDS) respond. A submitted review and every response
are signed (who, when, SHA-256 of their content) and never change (oversight/guards.py).
"""

from __future__ import annotations

import random
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from concerns.models import Concern, ConcernStatus
from concerns.selectors import cp_visible_q
from oversight.models import (
    CRITERIA,
    CriterionResult,
    QaResponse,
    QaReview,
    QaReviewStatus,
    QaSample,
    Rating,
)
from oversight.terms import Term, current_term, term_of
from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm
from safeguard.signing import content_hash
from schools.models import School, User
from schools.selectors import safeguarding_leads

MAX_SAMPLE_SIZE = 20

# What the error beside each criterion says when nothing was chosen.
CRITERION_REQUIRED = {
    "clarity": "Select whether the account is clear",
    "child_voice": "Select whether the child's voice is recorded",
    "decision": "Select whether the decision and reasons are recorded",
    "timeliness": "Select whether the concern was dealt with in good time",
    "outcome": "Select whether the outcome is recorded",
}


def _require_reviewer(actor: User, school_id: int) -> None:
    if not access_for(actor).has(Perm.QA_REVIEW, school_id):
        raise PermissionDenied("Only the trust safeguarding officer can quality-assure records.")


def sample_population(*, actor: User, school: School, term: Term) -> list[Any]:
    """The ids of the school's submitted concerns written in the term that the actor may read,
    in a fixed order (time of writing, then id), which the seed draws from."""
    start, end = term.bounds()
    return list(
        Concern.objects.filter(cp_visible_q(actor), school=school)
        .exclude(status=ConcernStatus.DRAFT)
        .filter(written_at__gte=start, written_at__lt=end)
        .order_by("written_at", "pk")
        .values_list("pk", flat=True)
    )


def sample_picks(population: list[Any], *, size: int, seed: int) -> list[Any]:
    """The concerns a seed picks: the same population and seed always give the same picks."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible sample, not a secret)
    return rng.sample(population, min(size, len(population)))


@transaction.atomic
def qa_sample_draw(
    *, actor: User, school: School, term: Term, size: int, seed: int | None = None
) -> QaSample:
    """Draw a random sample of `size` of the school's concerns written in `term`, and put each
    picked concern not already under review on the reviewer's list. One sample per school and
    term; the seed is stored so the draw can be repeated and checked."""
    _require_reviewer(actor, school.pk)
    if not 1 <= size <= MAX_SAMPLE_SIZE:
        raise ValidationError({"size": f"Enter a sample size between 1 and {MAX_SAMPLE_SIZE}"})
    if term > current_term():
        raise ValidationError({"term": "Choose a term that has started"})
    School.objects.select_for_update().get(pk=school.pk)  # one draw at a time per school
    if QaSample.objects.filter(school=school, term=term.key).exists():
        raise ValidationError(
            {"term": f"A sample has already been drawn for {school.name} in the {term.label}"}
        )
    population = sample_population(actor=actor, school=school, term=term)
    if not population:
        raise ValidationError(
            {"term": f"{school.name} has no concerns written in the {term.label} to sample"}
        )
    seed = secrets.randbits(31) if seed is None else seed
    sample = QaSample(
        school=school,
        term=term.key,
        size=size,
        seed=seed,
        population=len(population),
        drawn_by=actor,
        drawn_at=timezone.now(),
    )
    sample.full_clean()
    sample.save()
    picks = sample_picks(population, size=size, seed=seed)
    taken = set(QaReview.objects.filter(concern_id__in=picks).values_list("concern_id", flat=True))
    QaReview.objects.bulk_create(
        [
            QaReview(school=school, concern_id=pk, sample=sample, term=term.key, added_by=actor)
            for pk in picks
            if pk not in taken
        ]
    )
    return sample


@transaction.atomic
def qa_review_choose(*, actor: User, reference: str) -> QaReview:
    """Put one concern, chosen by its reference, on the reviewer's list."""
    reference = reference.strip().upper()
    if not reference:
        raise ValidationError({"reference": "Enter the concern's reference"})
    schools = access_for(actor).schools_with(Perm.QA_REVIEW)
    if not schools:
        raise PermissionDenied("Only the trust safeguarding officer can quality-assure records.")
    concern = (
        Concern.objects.filter(cp_visible_q(actor), school_id__in=schools, reference=reference)
        .exclude(status=ConcernStatus.DRAFT)
        .first()
    )
    if concern is None:
        raise ValidationError(
            {"reference": f"There is no concern {reference} in your trust's schools"}
        )
    if QaReview.objects.filter(concern=concern).exists():
        raise ValidationError({"reference": f"Concern {reference} is already on the QA list"})
    review = QaReview(
        school_id=concern.school_id,
        concern=concern,
        term=term_of(concern.written_at or concern.created_at).key,
        added_by=actor,
    )
    review.full_clean()
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # chosen at the same moment by someone else
        raise ValidationError(
            {"reference": f"Concern {reference} is already on the QA list"}
        ) from exc
    return review


def review_signed_content(review: QaReview) -> dict[str, Any]:
    """What a QA review's signature covers."""
    return {
        "kind": "qa_review",
        "id": str(review.pk),
        "school": review.school_id,
        "concern": str(review.concern_id),
        "concern_hash": review.concern.content_hash,
        "term": review.term,
        **{name: getattr(review, name) for name, _, _ in CRITERIA},
        "rating": review.rating,
        "feedback": review.feedback,
        "reviewer": review.reviewer_id,
        "reviewer_name": review.reviewer_name,
        "reviewer_job_title": review.reviewer_job_title,
        "submitted_at": review.submitted_at.isoformat() if review.submitted_at else None,
    }


@transaction.atomic
def qa_review_submit(
    *,
    actor: User,
    review: QaReview,
    clarity: str,
    child_voice: str,
    decision: str,
    timeliness: str,
    outcome: str,
    rating: str,
    feedback: str,
) -> QaReview:
    """Record and sign the review; from now on it never changes, and the school is told."""
    _require_reviewer(actor, review.school_id)
    locked = QaReview.objects.select_for_update().select_related("concern").get(pk=review.pk)
    if locked.status != QaReviewStatus.DRAFT:
        raise ValidationError("This review has already been submitted: it cannot be changed.")
    results = {
        "clarity": clarity,
        "child_voice": child_voice,
        "decision": decision,
        "timeliness": timeliness,
        "outcome": outcome,
    }
    errors: dict[str, str] = {
        name: CRITERION_REQUIRED[name]
        for name, value in results.items()
        if value not in CriterionResult.values
    }
    if rating not in Rating.values:
        errors["rating"] = "Select the overall rating"
    elif rating == Rating.GOOD and CriterionResult.NOT_MET in results.values():
        errors["rating"] = "A record with a criterion not met cannot be rated Good"
    if not feedback.strip():
        errors["feedback"] = "Enter your feedback for the school"
    if errors:
        raise ValidationError(errors)
    for name, value in results.items():
        setattr(locked, name, value)
    locked.rating = rating
    locked.feedback = feedback.strip()
    locked.reviewer = actor
    locked.reviewer_name = actor.full_name
    locked.reviewer_job_title = actor.job_title
    locked.submitted_at = timezone.now()
    locked.status = QaReviewStatus.SUBMITTED
    locked.content_hash = content_hash(review_signed_content(locked))
    locked.full_clean()
    locked.save()
    notify(
        school=locked.concern.school,
        recipients=safeguarding_leads(locked.concern.school),
        kind=NotificationKind.QA_REVIEW,
        title=f"Quality-assurance feedback on concern {locked.concern.reference}",
        link=reverse("qa-review", kwargs={"pk": locked.pk}),
    )
    return locked


@transaction.atomic
def qa_review_remove(*, actor: User, review: QaReview) -> None:
    """Take a concern off the reviewer's list before it is reviewed."""
    _require_reviewer(actor, review.school_id)
    locked = QaReview.objects.select_for_update().get(pk=review.pk)
    if locked.status != QaReviewStatus.DRAFT:
        raise ValidationError("A submitted review is kept: it cannot be removed.")
    locked.delete()


def response_signed_content(response: QaResponse) -> dict[str, Any]:
    return {
        "kind": "qa_response",
        "id": str(response.pk),
        "school": response.school_id,
        "review": str(response.review_id),
        "review_hash": response.review.content_hash,
        "author": response.author_id,
        "author_name": response.author_name,
        "author_job_title": response.author_job_title,
        "text": response.text,
        "signed_at": response.signed_at.isoformat(),
    }


@transaction.atomic
def qa_response_add(*, actor: User, review: QaReview, text: str) -> QaResponse:
    """The school's signed response to a submitted review; the reviewer is told."""
    if not access_for(actor).has(Perm.MANAGE_CP_RECORDS, review.school_id):
        raise PermissionDenied("Only the school's DSL and deputies can respond.")
    if review.status != QaReviewStatus.SUBMITTED:
        raise ValidationError("This review has not been submitted yet.")
    if not text.strip():
        raise ValidationError({"text": "Enter your response"})
    response = QaResponse(
        school_id=review.school_id,
        review=review,
        author=actor,
        author_name=actor.full_name,
        author_job_title=actor.job_title,
        text=text.strip(),
        signed_at=timezone.now(),
    )
    response.content_hash = content_hash(response_signed_content(response))
    response.full_clean()
    response.save()
    if review.reviewer is not None and review.reviewer.is_active:
        notify(
            school=review.concern.school,
            recipients=[review.reviewer],
            kind=NotificationKind.QA_RESPONSE,
            title=f"{review.concern.school.name} responded to your QA review of concern "
            f"{review.concern.reference}",
            link=reverse("qa-review", kwargs={"pk": review.pk}),
        )
    return response
