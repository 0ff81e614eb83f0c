"""The lists behind the trust dashboard's figures (the TSO's drill-down, issue 8), read in the
database and scoped to the actor.

Each list holds exactly the records its figure counts: the filters are the ones
`oversight.dashboards.figures` counts with (its `*_q` functions), so a figure and its list cannot
drift apart. A restricted concern counts in the figures (a count names no one) but only the DSL and
the people named on it may read it: such records, and the referrals, actions and risk assessments
that came from them, are counted in `total` and left out of the rows (`hidden` says how many).

Who may read a list: the trust safeguarding officer, who holds `VIEW_TRUST_DASHBOARD` and
`READ_CP_RECORDS` in the school. Anyone else, a school of another trust and a school that does
not exist get the same 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404

from chronology.models import CpFile, PupilStatus, RiskAssessment, RiskAssessmentPupil
from concerns.models import Action, Category, Concern, ConcernPupil, InvolvementCategory
from concerns.selectors import (
    concern_narrative,
    concern_pupils_prefetch,
    cp_visible_q,
    hidden_concern_exists,
)
from oversight.dashboards import figures
from oversight.dashboards.drilldown.links import Show
from referrals.models import Referral
from referrals.selectors import follow_up_outstanding_q, overdue_q
from safeguard.access import access_for
from safeguard.params import whole_number
from safeguard.roles import Perm
from schools.models import School

# The dashboards show a year group left blank at signing under this label.
NOT_RECORDED = "Not recorded"


def drilldown_school_for(*, actor: Any, school_id: Any) -> School:
    """A school whose lists the actor may read (the TSO of its trust); else the same 404."""
    access = access_for(actor)
    allowed = set(access.schools_with(Perm.VIEW_TRUST_DASHBOARD)) & set(
        access.schools_with(Perm.READ_CP_RECORDS)
    )
    try:
        pk = int(school_id)
    except (TypeError, ValueError):
        raise Http404("No such record.") from None
    if pk not in allowed:
        raise Http404("No such record.")
    school = School.objects.select_related("trust").filter(pk=pk).first()
    if school is None:
        raise Http404("No such record.")
    return school


def drilldown_category_for(*, school: School, category_id: str | None) -> Category | None:
    """A top-level category of the school's trust (retired ones too), or None when not asked
    for; anything else (another trust's, a subcategory, not a number) is a 404."""
    if not category_id:
        return None
    pk = whole_number(category_id)
    if pk is None:
        raise Http404("No such record.")
    category = Category.objects.filter(pk=pk, trust_id=school.trust_id, parent__isnull=True).first()
    if category is None:
        raise Http404("No such record.")
    return category


@dataclass(frozen=True)
class Drilldown:
    """A list behind a figure: the records the actor may read (ordered, not yet fetched), how
    many the figure counts, and how many of those are restricted and not listed."""

    records: QuerySet[Any] | list[Any]
    total: int
    hidden: int


def _counted(qs: QuerySet[Any], visible: Q | None) -> tuple[QuerySet[Any], int, int]:
    """The visible part of `qs`, and the counts of all and of the hidden (one query)."""
    if visible is None:
        return qs, qs.count(), 0
    counts = qs.aggregate(total=Count("pk"), shown=Count("pk", filter=visible))
    return qs.filter(visible), counts["total"], counts["total"] - counts["shown"]


def concerns_drilldown(
    *,
    actor: Any,
    school: School,
    period: figures.Period | None,
    untriaged: bool = False,
    waiting_since: datetime.datetime | None = None,
    category: Category | None = None,
    year_group: str | None = None,
) -> Drilldown:
    """Concerns of the period (the concerns figure, by category or by year group as signed), or
    the concerns not yet opened by a DSL whenever written (the untriaged figure; with
    `waiting_since`, those written then or before: the age bands past that point)."""
    qs = Concern.objects.filter(school=school)
    if untriaged:
        qs = qs.filter(figures.untriaged_q())
        if waiting_since is not None:
            qs = qs.filter(written_at__lte=waiting_since)
    else:
        assert period is not None  # noqa: S101 (the view always passes one for this list)
        start, end = period.bounds()
        qs = qs.filter(figures.submitted_q(), written_at__gte=start, written_at__lt=end)
    if category is not None:
        # Once however many of its pupils have it; a subcategory under its heading: what the
        # figures' `top_category` (its parent, or itself) counts, named as the category's own
        # id and its subcategories' ids, and in the concern's school (where its categories
        # are), so PostgreSQL may start from the school's categories given rather than look at
        # every concern of the period.
        heading = Category.objects.filter(Q(pk=category.pk) | Q(parent_id=category.pk))
        qs = qs.filter(
            Exists(
                InvolvementCategory.objects.filter(
                    school_id=OuterRef("school_id"),
                    involvement__concern_id=OuterRef("pk"),
                    category_id__in=heading.values("pk"),
                )
            )
        )
    if year_group is not None:
        label = "" if year_group == NOT_RECORDED else year_group
        qs = qs.filter(
            Exists(ConcernPupil.objects.filter(concern_id=OuterRef("pk"), pupil_year_group=label))
        )
    records, total, hidden = _counted(qs, cp_visible_q(actor))
    records = (
        records.select_related("qa_review")
        .defer(*concern_narrative())
        .prefetch_related(concern_pupils_prefetch())
        .annotate(
            wait=ExpressionWrapper(F("opened_at") - F("written_at"), output_field=DurationField())
        )
    )
    return Drilldown(records, total, hidden)


def cp_files_drilldown(*, school: School) -> Drilldown:
    """The school's open CP files (none is restricted)."""
    qs = CpFile.objects.filter(figures.open_cp_file_q(), school=school)
    records, total, hidden = _counted(qs, None)
    return Drilldown(records.select_related("pupil", "opened_by"), total, hidden)


def referrals_drilldown(
    *, actor: Any, school: School, show: Show, now: datetime.datetime
) -> Drilldown:
    """Open referrals, the overdue ones, or those whose written follow-up is outstanding (open
    or not: the follow-up is owed whatever has happened since)."""
    qs = Referral.objects.filter(school=school)
    if show == Show.FOLLOW_UPS:
        qs = qs.filter(follow_up_outstanding_q())
    else:
        qs = qs.filter(figures.open_referral_q())
    if show == Show.REFERRALS_OVERDUE:
        qs = qs.filter(overdue_q(now))
    visible = ~Q(hidden_concern_exists(actor=actor, school_id=school.pk))
    records, total, hidden = _counted(qs, visible)
    records = records.select_related("pupil", "concern").defer(*concern_narrative("concern__"))
    return Drilldown(records, total, hidden)


def actions_drilldown(
    *, actor: Any, school: School, overdue: bool, today: datetime.date
) -> Drilldown:
    """Open actions, or the open ones due before today."""
    qs = Action.objects.filter(figures.open_action_q(), school=school)
    if overdue:
        qs = qs.filter(figures.overdue_action_q(today))
    visible = ~Q(hidden_concern_exists(actor=actor, school_id=school.pk))
    records, total, hidden = _counted(qs, visible)
    records = (
        records.select_related("concern", "owner")
        .defer(*concern_narrative("concern__"))
        .prefetch_related(
            Prefetch("concern__involvements", queryset=ConcernPupil.objects.select_related("pupil"))
        )
    )
    return Drilldown(records, total, hidden)


@dataclass(frozen=True)
class ReviewDue:
    """A risk assessment or a plan or status whose review date is today or passed."""

    kind: str  # "risk_assessment" or "status"
    record: Any
    review_date: datetime.date
    pupils: list[Any]


def reviews_drilldown(*, actor: Any, school: School, today: datetime.date) -> Drilldown:
    """Open risk assessments and current plans or statuses due for review, earliest first. Few
    by nature (each is overdue for a review), so read whole: three queries."""
    assessments = RiskAssessment.objects.filter(
        figures.open_risk_assessment_q(), figures.review_due_q(today), school=school
    )
    visible = ~Q(hidden_concern_exists(actor=actor, school_id=school.pk))
    shown, total, hidden = _counted(assessments, visible)
    rows = [
        ReviewDue("risk_assessment", a, a.review_date, [c.pupil for c in a.covered.all()])
        for a in shown.prefetch_related(Prefetch("covered", queryset=_covered_pupils())).order_by(
            "review_date", "pk"
        )
    ]
    statuses = PupilStatus.objects.filter(
        figures.current_status_q(), figures.review_due_q(today), school=school
    ).select_related("pupil")
    for status in statuses:
        assert status.review_date is not None  # noqa: S101 (filtered on it)
        rows.append(ReviewDue("status", status, status.review_date, [status.pupil]))
        total += 1
    rows.sort(key=lambda r: r.review_date)
    return Drilldown(rows, total, hidden)


def _covered_pupils() -> QuerySet[Any]:
    return RiskAssessmentPupil.objects.select_related("pupil").order_by("pk")
