"""Quality assurance reads, scoped to the actor.

The trust safeguarding officer (Perm.QA_REVIEW) sees every review of their trust's schools, drafts
included; a school's DSL and deputies (Perm.MANAGE_CP_RECORDS) see their school's submitted reviews
only. Anything else, missing or forbidden, is the same 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from concerns.models import Concern, ConcernStatus
from concerns.selectors import concern_narrative, cp_visible_q
from oversight.models import QaResponse, QaReview, QaReviewStatus, QaSample, Rating
from oversight.terms import Term
from safeguard.access import access_for, get_or_404
from safeguard.roles import Perm
from schools.models import School


def _readable(actor: Any) -> Exists:
    """Whether the review's concern is one the actor may read: a review of a restricted concern
    is seen only by those who may read the concern (the DSL, and the people named on it).
    `EXISTS` on the review's own concern, never `IN (every concern the actor reads)`."""
    return Exists(Concern.objects.filter(cp_visible_q(actor), pk=OuterRef("concern_id")))


def _visible_q(actor: Any) -> Q:
    access = access_for(actor)
    return (
        Q(school_id__in=access.schools_with(Perm.QA_REVIEW))
        | Q(
            school_id__in=access.schools_with(Perm.MANAGE_CP_RECORDS),
            status=QaReviewStatus.SUBMITTED,
        )
    ) & Q(_readable(actor))


def _reviews() -> QuerySet[QaReview]:
    return (
        QaReview.objects.select_related("concern", "school")
        .defer(*concern_narrative("concern__"))
        .annotate(responded=Exists(QaResponse.objects.filter(review_id=OuterRef("pk"))))
    )


def qa_review_get(*, actor: Any, pk: Any) -> QaReview:
    """One review the actor may see, with its concern; else the same 404 for every reason."""
    return get_or_404(
        QaReview.objects.select_related("concern__school", "school", "reviewer", "sample")
        .prefetch_related("concern__involvements")
        .filter(_visible_q(actor)),
        pk=pk,
    )


def qa_review_for_concern(*, actor: Any, concern: Concern) -> QaReview | None:
    """The concern's review when the actor may see it (for the concern page)."""
    return (
        QaReview.objects.filter(_visible_q(actor), concern=concern)
        .prefetch_related("responses")
        .first()
    )


def qa_reviews_for_school(*, actor: Any, school: School) -> QuerySet[QaReview]:
    """The school's submitted reviews, newest first, for its DSL and deputies (and the TSO)."""
    access = access_for(actor)
    if not (access.has(Perm.MANAGE_CP_RECORDS, school) or access.has(Perm.QA_REVIEW, school)):
        return QaReview.objects.none()
    return (
        _reviews()
        .filter(_readable(actor), school=school, status=QaReviewStatus.SUBMITTED)
        .order_by("-submitted_at", "pk")
    )


def qa_to_review_for(*, actor: Any) -> QuerySet[QaReview]:
    """Concerns on the reviewer's list, not yet reviewed, oldest first."""
    return (
        QaReview.objects.select_related("concern", "school")
        .defer(*concern_narrative("concern__"))
        .filter(
            _readable(actor),
            school_id__in=access_for(actor).schools_with(Perm.QA_REVIEW),
            status=QaReviewStatus.DRAFT,
        )
        .order_by("school__name", "concern__written_at", "pk")
    )


def qa_submitted_for(*, actor: Any, term: Term) -> QuerySet[QaReview]:
    """Reviews submitted of concerns written in the term, in the reviewer's schools."""
    return (
        _reviews()
        .filter(
            _readable(actor),
            school_id__in=access_for(actor).schools_with(Perm.QA_REVIEW),
            status=QaReviewStatus.SUBMITTED,
            term=term.key,
        )
        .order_by("school__name", "-submitted_at", "pk")
    )


@dataclass(frozen=True)
class Coverage:
    """QA coverage of one school in one term."""

    school: School
    concerns: int  # those the reviewer may read, so may sample
    reviewed: int
    to_review: int
    good: int
    requires_improvement: int
    inadequate: int
    sample: QaSample | None
    # Restricted concerns of the term the reviewer is not named on: never in a sample, so not
    # counted in `concerns` (the page says how many were left out; docs/adr/0046).
    restricted_unseen: int = 0

    @property
    def percent(self) -> int | None:
        """Reviewed as a whole-number percentage of the term's concerns (None with none)."""
        if not self.concerns:
            return None
        return round(100 * self.reviewed / self.concerns)


def qa_coverage_for(*, actor: Any, term: Term) -> list[Coverage]:
    """Per school of the actor's trust(s): concerns written in the term, reviews submitted and
    their ratings, reviews still to do, and the term's sample. Five queries however many schools
    and concerns: the counts are grouped in the database.

    The concerns counted are those the actor may sample: a restricted concern they are not
    named on can never be drawn, so it is left out of the coverage's denominator and counted
    apart (`restricted_unseen`), for the page to say so beside the figure."""
    ids = access_for(actor).schools_with(Perm.QA_REVIEW)
    if not ids:
        return []
    start, end = term.bounds()
    # COUNT(*), not COUNT(id): the rows counted are read from the (school, time of writing,
    # status) index alone, never from the table (a trust's term is tens of thousands).
    concerns = dict(
        Concern.objects.filter(school_id__in=ids, written_at__gte=start, written_at__lt=end)
        .exclude(status=ConcernStatus.DRAFT)
        .values("school_id")
        .annotate(n=Count("*"))
        .values_list("school_id", "n")
    )
    # The restricted ones the actor may not read (few: read through their partial index).
    unseen = dict(
        Concern.objects.filter(
            school_id__in=ids, restricted=True, written_at__gte=start, written_at__lt=end
        )
        .exclude(status=ConcernStatus.DRAFT)
        .exclude(cp_visible_q(actor))
        .values("school_id")
        .annotate(n=Count("*"))
        .values_list("school_id", "n")
    )
    submitted = Q(status=QaReviewStatus.SUBMITTED)
    reviews: dict[int, dict[str, Any]] = {
        row["school_id"]: dict(row)
        for row in QaReview.objects.filter(school_id__in=ids, term=term.key)
        .values("school_id")
        .annotate(
            reviewed=Count("pk", filter=submitted),
            to_review=Count("pk", filter=Q(status=QaReviewStatus.DRAFT)),
            good=Count("pk", filter=submitted & Q(rating=Rating.GOOD)),
            ri=Count("pk", filter=submitted & Q(rating=Rating.REQUIRES_IMPROVEMENT)),
            inadequate=Count("pk", filter=submitted & Q(rating=Rating.INADEQUATE)),
        )
    }
    samples = {
        s.school_id: s
        for s in QaSample.objects.select_related("drawn_by").filter(
            school_id__in=ids, term=term.key
        )
    }
    rows = []
    for school in School.objects.filter(pk__in=ids).order_by("name"):
        r = reviews.get(school.pk, {})
        rows.append(
            Coverage(
                school=school,
                concerns=concerns.get(school.pk, 0) - unseen.get(school.pk, 0),
                reviewed=r.get("reviewed", 0),
                to_review=r.get("to_review", 0),
                good=r.get("good", 0),
                requires_improvement=r.get("ri", 0),
                inadequate=r.get("inadequate", 0),
                sample=samples.get(school.pk),
                restricted_unseen=unseen.get(school.pk, 0),
            )
        )
    return rows


def qa_school_for(*, actor: Any, school_id: Any) -> School:
    """A school the actor quality-assures; else 404."""
    return get_or_404(
        School.objects.filter(pk__in=access_for(actor).schools_with(Perm.QA_REVIEW)),
        pk=school_id,
    )


def qa_home_count(*, actor: Any, school: School) -> int | None:
    """For the home page: concerns waiting for the TSO's review (across their schools), or the
    school's reviews waiting for a response from its DSL and deputies; None for anyone else."""
    access = access_for(actor)
    if access.has(Perm.QA_REVIEW, school):
        return qa_to_review_for(actor=actor).count()
    if access.has(Perm.MANAGE_CP_RECORDS, school):
        return QaReview.objects.filter(
            _readable(actor),
            ~Exists(QaResponse.objects.filter(review_id=OuterRef("pk"))),
            school=school,
            status=QaReviewStatus.SUBMITTED,
        ).count()
    return None
