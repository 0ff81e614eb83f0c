"""The figures behind the school and trust dashboards (issue 8), read in the database.

Every figure is an aggregate: counts grouped by school, category, year group, week or 28-day
window, computed with GROUP BY and filtered counts in a fixed number of queries whatever the
number of schools or concerns (the tests pin them). Nothing here carries a child's name, so the
governor's view is built from the same figures.

Who may read what (docs/architecture.md section 4): `school_figures` needs
`VIEW_SCHOOL_AGGREGATES` in the school (DSL, deputy, head, governor, and the trust's TSO);
`trust_figures` needs `VIEW_TRUST_DASHBOARD` on the trust (the TSO) and covers only that trust's
schools. Anyone else gets the same 404 as for a school that does not exist.

The rules the issue left open (what counts, the periods, the outlier rule) are in docs/adr/0020.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import operator
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.core.cache import caches
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DateField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncWeek
from django.http import Http404
from django.utils import timezone

from chronology.models import CpFile, PupilStatus, RiskAssessment, RiskAssessmentPupil
from concerns.models import (
    Action,
    Category,
    Concern,
    ConcernPupil,
    ConcernStatus,
    InvolvementCategory,
)
from oversight import terms
from oversight.dashboards.pupil_groups import ALL_PUPILS, BREAKDOWN, PupilGroup
from oversight.models import ConcernTally, ConcernTallyMark, TallyDimension
from referrals.models import Referral, ReferralStatus
from referrals.selectors import follow_up_outstanding_q, overdue_q
from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import Pupil, School, Trust, YearGroup

# --- Periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end`, both included, in the school's time zone (London)."""

    start: datetime.date
    end: datetime.date
    label: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first moment of the period and the first moment after it."""
        return _midnight(self.start), _midnight(self.end + datetime.timedelta(days=1))

    @property
    def term_label(self) -> str | None:
        """The term's name ("Autumn term 2026") when the period is a whole term."""
        term = terms.term_of(self.start)
        return term.label if (term.start, term.end) == (self.start, self.end) else None

    @property
    def dates(self) -> str:
        """ "1 September to 20 November 2026" (the year once when both ends share it)."""
        if self.start == self.end:
            return _day_words(self.end)
        if self.start.year != self.end.year:
            return f"{_day_words(self.start)} to {_day_words(self.end)}"
        return f"{self.start.day} {self.start:%B} to {_day_words(self.end)}"

    @property
    def name(self) -> str:
        """Its term's name when the period is a whole term, else its dates."""
        return self.term_label or self.dates


def _day_words(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def term_of(day: datetime.date) -> Period:
    """The school term a day falls in, as quality assurance counts terms (`oversight.terms`):
    autumn September to December, spring January to March, summer April to August."""
    term = terms.term_of(day)
    return Period(term.start, term.end, term.label)


def previous_period(period: Period) -> Period:
    """The term before, when the period is a term; else as many days just before it."""
    term = term_of(period.start)
    if (term.start, term.end) == (period.start, period.end):
        return term_of(period.start - datetime.timedelta(days=1))
    end = period.start - datetime.timedelta(days=1)
    return Period(end - datetime.timedelta(days=period.days - 1), end, "the period before")


def period_for(
    start: datetime.date | None, end: datetime.date | None, today: datetime.date
) -> Period:
    """The period a dashboard shows: the dates given, else the current term (to today)."""
    if start is None and end is None:
        return term_of(today)
    if start is None or end is None:
        term = term_of(start or end or today)
        start, end = start or term.start, end or term.end
    if end < start:
        raise ValueError("The end date must be the same as or after the start date.")
    return Period(start, end, "")


# --- Result shapes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryCount:
    category_id: int
    label: str
    count: int  # concerns in the period with this category (or one of its subcategories)
    previous: int  # the same in the previous period


@dataclass(frozen=True)
class YearGroupCount:
    label: str  # as signed on the concern ("Year 7")
    count: int
    previous: int


@dataclass(frozen=True)
class PupilGroupCounts:
    """One group of pupils in a period (docs/adr/0026)."""

    on_roll: int = 0  # pupils on the roll on any day of the period
    with_concerns: int = 0  # pupils of the group named on a concern written in the period
    concerns: int = 0  # concerns of the period naming at least one pupil of the group


UNTRIAGED_AGE_BANDS = [
    ("under_1_hour", "Under 1 hour"),
    ("1_hour_to_1_day", "1 hour to 1 day"),
    ("1_to_3_days", "1 to 3 days"),
    ("over_3_days", "More than 3 days"),
]


@dataclass
class SchoolFigures:
    """One school's dashboard figures: aggregates only, never a child's name."""

    school_id: int
    school_name: str
    concerns: int = 0
    concerns_previous: int = 0
    by_category: list[CategoryCount] = field(default_factory=list)
    by_year_group: list[YearGroupCount] = field(default_factory=list)
    open_cp_files: int = 0
    referrals_open: int = 0
    referrals_overdue: int = 0
    follow_ups_outstanding: int = 0
    actions_open: int = 0
    actions_overdue: int = 0
    untriaged: int = 0
    untriaged_ages: dict[str, int] = field(
        default_factory=lambda: {key: 0 for key, _ in UNTRIAGED_AGE_BANDS}
    )
    oldest_untriaged_since: datetime.datetime | None = None
    opened: int = 0  # concerns of the period a DSL has opened
    opened_previous: int = 0  # the same in the period before
    time_to_open_median: datetime.timedelta | None = None
    time_to_open_p90: datetime.timedelta | None = None
    time_to_open_median_previous: datetime.timedelta | None = None
    time_to_open_p90_previous: datetime.timedelta | None = None
    reviews_due: int = 0  # review date today or passed: risk assessments and plans or statuses
    reviews_upcoming: int = 0  # review date in the next REVIEW_HORIZON days
    # The period's figures per group of pupils (`pupil_groups.BREAKDOWN`, and "all"), by key.
    by_pupil_group: dict[str, PupilGroupCounts] = field(default_factory=dict)

    @property
    def triage_slipping(self) -> bool:
        """The median time to open is a quarter longer than last period's and at least an hour
        longer (both known): a few minutes either way is noise, not a school falling behind."""
        return triage_slipped(self.time_to_open_median, self.time_to_open_median_previous)


SLIPPING_FACTOR = 1.25
SLIPPING_AT_LEAST = datetime.timedelta(hours=1)


def triage_slipped(now: datetime.timedelta | None, before: datetime.timedelta | None) -> bool:
    """The rule for "triage slipping" (ADR 0020)."""
    if now is None or before is None:
        return False
    return now >= before * SLIPPING_FACTOR and now - before >= SLIPPING_AT_LEAST


@dataclass(frozen=True)
class Outlier:
    """A count well above its own trailing average (the rule of ADR 0020)."""

    kind: str  # "school", "category" or "school_category"
    school_id: int | None
    category_id: int | None
    label: str
    count: int
    mean: float
    stdev: float
    threshold: float


@dataclass
class TrustFigures:
    trust_id: int
    period: Period
    previous: Period
    schools: list[SchoolFigures]
    categories: list[tuple[int, str]]  # the trust's top-level categories, in list order
    weeks: list[datetime.date]  # the Mondays of the weekly trend, oldest first
    weekly: dict[int, list[int]]  # category id -> concerns per week, aligned with `weeks`
    outliers: list[Outlier]
    outlier_windows: list[Period]  # this window first, then the six before it
    pupils: PupilGroup | None = None  # the group of pupils the figures are narrowed to


REVIEW_HORIZON = datetime.timedelta(days=14)
TREND_WEEKS = 52
OUTLIER_WINDOW_DAYS = 28
OUTLIER_BASELINE_WINDOWS = 6
OUTLIER_SIGMAS = 2
OUTLIER_MIN_EXCESS = 3


# --- Access --------------------------------------------------------------------------------


def dashboard_trusts_for(*, actor: Any) -> QuerySet[Trust]:
    """The trusts whose dashboard the actor may see."""
    return Trust.objects.filter(pk__in=access_for(actor).trust_ids_with(Perm.VIEW_TRUST_DASHBOARD))


def school_figures(
    *,
    actor: Any,
    school: School,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    now: datetime.datetime | None = None,
    pupils: PupilGroup | None = None,
    breakdown: bool = False,
) -> tuple[Period, Period, SchoolFigures]:
    """One school's figures for the period (default: this term) and the period before, and with
    `breakdown` the period's breakdown by pupil characteristic. `pupils` narrows the figures to
    that group of pupils (the breakdown stays whole)."""
    if not access_for(actor).has(Perm.VIEW_SCHOOL_AGGREGATES, school):
        raise Http404("No such record.")
    now = now or timezone.now()
    period = period_for(start, end, timezone.localdate(now))
    previous = previous_period(period)
    categories = _top_categories(school.trust_id)
    ids = [school.pk]
    counts, opened = _period_counts(ids, [period, previous], _mark_for(ids, pupils), pupils)
    figures = _figures_for([school], period, previous, now, categories, counts, pupils, opened)
    if breakdown:
        figures[0].by_pupil_group = _kept_breakdown(school.pk, period)
    return period, previous, figures[0]


def trust_figures(
    *,
    actor: Any,
    trust: Trust,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    school_ids: Iterable[int] | None = None,
    now: datetime.datetime | None = None,
    pupils: PupilGroup | None = None,
    breakdown: bool = False,
) -> TrustFigures:
    """Every school of the trust side by side, the weekly trend per category over the 12 months
    to the period's end, and the outliers of the last 28 days. `school_ids` narrows the schools
    (ids of other trusts' schools are ignored); `pupils` narrows the schools' figures to a group
    of pupils (not the trend and the outliers); `breakdown` adds each school's breakdown by
    pupil characteristic (2 queries; ADR 0026)."""
    access = access_for(actor)
    if trust.pk not in access.trust_ids_with(Perm.VIEW_TRUST_DASHBOARD):
        raise Http404("No such record.")
    now = now or timezone.now()
    today = timezone.localdate(now)
    period = period_for(start, end, today)
    previous = previous_period(period)
    allowed = set(access.schools_with(Perm.VIEW_TRUST_DASHBOARD))
    if school_ids is not None:
        allowed &= {int(s) for s in school_ids}
    schools = list(School.objects.filter(trust=trust, pk__in=allowed).order_by("name"))
    categories = _top_categories(trust.pk)
    ids = [s.pk for s in schools]
    mark = _tally_mark(ids)
    windows = outlier_windows(today)
    opened = None
    if pupils is None:
        # The two periods and the seven outlier windows in one pass over tallies and concerns.
        counts = _counts(ids, [period, previous, *windows], mark)
    else:
        # Narrowed to a group of pupils, the two periods are read live (the tallies hold no
        # characteristics); the outliers and the weekly trend stay those of all pupils, from
        # the tallies: live, a year of concerns joined to their pupils took 5 seconds (ADR 0026).
        counts, opened = _period_counts(ids, [period, previous], None, pupils)
        for (i, sid, dimension, key), n in _counts(ids, windows, mark).items():
            counts[(i + 2, sid, dimension, key)] = n
    weeks, weekly = _weekly_by_category(ids, min(period.end, today), categories, mark)
    outliers = _outliers(ids, {s.pk: s.name for s in schools}, categories, counts, first=2)
    figures = _figures_for(
        schools, period, previous, now, categories, counts, pupils, opened, keep_waits=True
    )
    if breakdown:
        groups = pupil_breakdown(ids, period)
        for f in figures:
            f.by_pupil_group = groups[f.school_id]
    return TrustFigures(
        trust_id=trust.pk,
        period=period,
        previous=previous,
        schools=figures,
        categories=categories,
        weeks=weeks,
        weekly=weekly,
        outliers=outliers,
        outlier_windows=windows,
        pupils=pupils,
    )


# --- The queries ---------------------------------------------------------------------------


def _top_categories(trust_id: int) -> list[tuple[int, str]]:
    """The trust's top-level categories, retired ones too (they stay on old records)."""
    return list(
        Category.objects.filter(trust_id=trust_id, parent__isnull=True)
        .order_by("position", "name")
        .values_list("pk", "name")
    )


# What each figure counts, shared with the lists behind the figures
# (oversight.dashboards.drilldown.selectors) so a list and its figure cannot disagree.


def top_category() -> Coalesce:
    """An involvement category's top-level category: its parent, or itself."""
    return Coalesce(F("category__parent_id"), F("category_id"))


def submitted_q() -> Q:
    """Concerns that count: signed ones (drafts never count)."""
    return ~Q(status=ConcernStatus.DRAFT)


def untriaged_q() -> Q:
    """Concerns submitted and not yet opened by a DSL."""
    return submitted_q() & Q(opened_at__isnull=True)


def open_cp_file_q() -> Q:
    return Q(closed_at__isnull=True)


def open_referral_q() -> Q:
    """Referrals still waiting (open or escalated)."""
    return Q(status__in=[ReferralStatus.OPEN, ReferralStatus.ESCALATED])


def open_action_q() -> Q:
    return Q(done_at__isnull=True)


def overdue_action_q(today: datetime.date) -> Q:
    """Of the open actions, those due before today."""
    return Q(due_on__lt=today)


def open_risk_assessment_q() -> Q:
    return Q(closed_at__isnull=True)


def current_status_q() -> Q:
    """Plans and statuses with no end date."""
    return Q(end_date__isnull=True)


def review_due_q(today: datetime.date) -> Q:
    """A review date today or passed."""
    return Q(review_date__lte=today)


# Counts of concerns per (period index, school id, dimension, key): "all" with key "", "category"
# with the top-level category's id as text, "year_group" with the year group as signed.
Counts = dict[tuple[int, int, str, str], int]


def _mark_for(ids: list[int], pupils: PupilGroup | None) -> Tallied | None:
    """The tally mark, or None (read everything live) for figures narrowed to a group of
    pupils: the tallies do not hold characteristics, which change (ADR 0026)."""
    mark = _tally_mark(ids)  # read either way, so the number of queries does not change
    return None if pupils is not None else mark


def _involving(pupils: PupilGroup | None, concern: str = "pk") -> Q:
    """Concerns (or rows whose `concern` field is a concern) naming at least one pupil of the
    group; everything when there is no group."""
    if pupils is None:
        return Q()
    named = ConcernPupil.objects.filter(pupils.q("pupil__"), concern_id=OuterRef(concern))
    return Q(Exists(named))


def _of(pupils: PupilGroup | None, path: str) -> Q:
    """Rows about a pupil of the group (the pupil at `path`); everything when there is none."""
    return Q() if pupils is None else pupils.q(path)


@dataclass(frozen=True)
class Tallied:
    """How far the schools' tallies go: `through`, the last day every one of them has tallies
    for, and `version`, which changes whenever any of their tallies are written (each write
    moves its school's mark, `tally_refresh`)."""

    through: datetime.date
    version: str


def _tally_mark(ids: list[int]) -> Tallied | None:
    """The schools' tally mark (None: not all of them have tallies yet)."""
    marks = list(
        ConcernTallyMark.objects.filter(school_id__in=ids).values_list("through", "updated_at")
    )
    if not ids or len(marks) != len(ids):
        return None
    return Tallied(
        through=min(m[0] for m in marks),
        version=f"{len(marks)}:{max(m[1] for m in marks).isoformat()}",
    )


# The sums of tallies already read, by the schools, the days and the tallies' version (ADR
# 0036): a day's tallies never change once written (ADR 0020), so a sum over days up to the mark
# is the same until the next refresh moves a mark, which changes the version and so the key.
TALLIED_SUMS_SECONDS = 24 * 60 * 60


def _tallied_sums(kind: str, ids: list[int], spans: Any, mark: Tallied, read: Any) -> Any:
    """`read()`'s rows for these schools and days, from the cache when the same sum has been
    read since the tallies were last written."""
    key = (
        "oversight:tallied:"
        + hashlib.sha256(
            repr((kind, sorted(ids), spans, mark.through, mark.version)).encode()
        ).hexdigest()
    )
    rows = caches["figures"].get(key)
    if rows is None:
        rows = read()
        caches["figures"].set(key, rows, TALLIED_SUMS_SECONDS)
    return rows


@dataclass(frozen=True)
class _Split:
    """A period as the days read from the tallies and the days after them read live."""

    tallied: tuple[datetime.date, datetime.date] | None  # first and last day, both included
    live: list[tuple[datetime.datetime, datetime.datetime]]  # [from, to) ranges


def _split(period: Period, tallied: Tallied | None) -> _Split:
    mark = tallied.through if tallied is not None else None
    if mark is None or mark < period.start:
        return _Split(None, [period.bounds()])
    if mark >= period.end:
        return _Split((period.start, period.end), [])
    after = mark + datetime.timedelta(days=1)
    return _Split((period.start, mark), [(_midnight(after), period.bounds()[1])])


def _in_ranges(field_name: str, ranges: list[tuple[datetime.datetime, datetime.datetime]]) -> Q:
    """`field_name` in any of the [from, to) ranges (at least one)."""
    parts = [Q(**{f"{field_name}__gte": a, f"{field_name}__lt": b}) for a, b in ranges]
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def _counts(
    ids: list[int],
    periods: list[Period],
    mark: Tallied | None,
    pupils: PupilGroup | None = None,
) -> Counts:
    """Concerns per period, school and dimension: whole weeks up to the tally mark from the
    weekly tallies, the other days from the concerns (one query each, whatever the periods).
    With `pupils`, the concerns naming a pupil of the group, and under a category or year group
    only that group's pupils' categories and year groups."""
    counts: Counts = defaultdict(int)
    if not ids:
        return counts
    splits = [_split(p, mark) for p in periods]
    if mark is not None:
        _add_tallied(counts, ids, splits, mark)
    live = {i: sp.live for i, sp in enumerate(splits) if sp.live}
    if live:
        _add_live_concerns(counts, ids, live, pupils)
        _add_live_categories(counts, ids, live, pupils)
        _add_live_year_groups(counts, ids, live, pupils)
    return counts


# The periods read live: each period's index and its [from, to) ranges.
_LiveRanges = dict[int, list[tuple[datetime.datetime, datetime.datetime]]]


def _every(live: _LiveRanges) -> list[tuple[datetime.datetime, datetime.datetime]]:
    """All the ranges read live, of every period."""
    return [r for ranges in live.values() for r in ranges]


def _add_tallied(counts: Counts, ids: list[int], splits: list[_Split], mark: Tallied) -> None:
    """The periods' days up to the tally mark, from the daily tallies (one query, none when
    the same sums were read since the tallies were last written)."""
    spans = {i: sp.tallied for i, sp in enumerate(splits) if sp.tallied}
    if not spans:
        return
    first = min(span[0] for span in spans.values())
    last = max(span[1] for span in spans.values())

    def read() -> list[tuple[int, str, str, list[int | None]]]:
        rows: Any = (
            ConcernTally.objects.filter(school_id__in=ids, day__gte=first, day__lte=last)
            .values("school_id", "dimension", "key")
            .annotate(
                **{
                    f"p{i}": Sum("concerns", filter=Q(day__gte=span[0], day__lte=span[1]))
                    for i, span in spans.items()
                }
            )
            .order_by()
        )
        return [
            (r["school_id"], r["dimension"], r["key"], [r[f"p{i}"] for i in spans]) for r in rows
        ]

    for sid, dimension, key, sums in _tallied_sums("periods", ids, spans, mark, read):
        for i, n in zip(spans, sums, strict=True):
            if n:
                counts[(i, sid, dimension, key)] += n


def _add_live_concerns(
    counts: Counts, ids: list[int], live: _LiveRanges, pupils: PupilGroup | None
) -> None:
    """The concerns of the days read live, per school (one query)."""
    concerns: Any = (
        Concern.objects.filter(
            submitted_q(),
            _in_ranges("written_at", _every(live)),
            _involving(pupils),
            school_id__in=ids,
        )
        .values("school_id")
        .annotate(
            **{
                f"p{i}": Count("written_at", filter=_in_ranges("written_at", ranges))
                for i, ranges in live.items()
            }
        )
        .order_by()
    )
    for row in concerns:
        for i in live:
            counts[(i, row["school_id"], TallyDimension.ALL, "")] += row[f"p{i}"]


def _own_schools(ids: list[int], pupils: PupilGroup | None) -> dict[str, Any]:
    """The filter on a row's own school, left out when narrowed to a group of pupils.

    That filter made PostgreSQL read every involvement of the schools before joining the
    period's concerns (half the time of each query at the benchmark's size, ADR 0026). A row's
    school is its concern's, which is filtered on, so the schools are the same."""
    return {"school_id__in": ids} if pupils is None else {}


def _add_live_categories(
    counts: Counts, ids: list[int], live: _LiveRanges, pupils: PupilGroup | None
) -> None:
    """The days read live per top-level category: a concern once however many of its pupils
    share it (one query)."""
    field = "involvement__concern__written_at"
    cats: Any = (
        InvolvementCategory.objects.filter(
            _in_ranges(field, _every(live)),
            _of(pupils, "involvement__pupil__"),
            involvement__concern__school_id__in=ids,
            **_own_schools(ids, pupils),
        )
        .exclude(involvement__concern__status=ConcernStatus.DRAFT)
        .values("school_id", top=top_category())
        .annotate(
            **{
                f"p{i}": Count(
                    "involvement__concern_id", distinct=True, filter=_in_ranges(field, ranges)
                )
                for i, ranges in live.items()
            }
        )
        .order_by()
    )
    for row in cats:
        for i in live:
            counts[(i, row["school_id"], TallyDimension.CATEGORY, str(row["top"]))] += row[f"p{i}"]


def _add_live_year_groups(
    counts: Counts, ids: list[int], live: _LiveRanges, pupils: PupilGroup | None
) -> None:
    """The days read live per year group as signed: a concern once however many of its pupils
    share it (one query)."""
    field = "concern__written_at"
    years: Any = (
        ConcernPupil.objects.filter(
            _in_ranges(field, _every(live)),
            _of(pupils, "pupil__"),
            concern__school_id__in=ids,
            **_own_schools(ids, pupils),
        )
        .exclude(concern__status=ConcernStatus.DRAFT)
        .values("school_id", "pupil_year_group")
        .annotate(
            **{
                f"p{i}": Count("concern_id", distinct=True, filter=_in_ranges(field, ranges))
                for i, ranges in live.items()
            }
        )
        .order_by()
    )
    for row in years:
        for i in live:
            key = row["pupil_year_group"]
            counts[(i, row["school_id"], TallyDimension.YEAR_GROUP, key)] += row[f"p{i}"]


def _period_counts(
    ids: list[int],
    periods: list[Period],
    mark: Tallied | None,
    pupils: PupilGroup | None,
) -> tuple[Counts, list[dict[str, Any]] | None]:
    """The periods' counts (`_counts`); narrowed to a group of pupils on PostgreSQL, read with
    the times to open (periods 0 and 1) in one pass over the group's involvements instead."""
    if pupils is None or connection.vendor != "postgresql":
        return _counts(ids, periods, mark, pupils), None
    return _group_counts(ids, periods[:2], pupils)


# The kinds of row `_group_counts` reads, numbered in its SQL.
_GROUP_ROWS = [TallyDimension.ALL, TallyDimension.YEAR_GROUP, TallyDimension.CATEGORY]


def _group_counts(
    ids: list[int], periods: list[Period], pupils: PupilGroup
) -> tuple[Counts, list[dict[str, Any]]]:
    """`_counts` and `_time_to_open` narrowed to a group of pupils, for whole periods read live
    (PostgreSQL), in one query (ADR 0026, third pass): the periods' involvements are found once
    from the concerns' (school, written) index, kept for the group's pupils only, then counted
    per concern (concerns and times to open), per year group as signed and per top-level
    category, each only that group's pupils'. The four queries this replaces each joined two
    terms of concerns to the pupils again. Same figures: a concern counts when one of its
    pupils is in the group, once under a category or year group however many share it, under
    its own school (an involvement's and its categories' school is their concern's)."""
    counts: Counts = defaultdict(int)
    opened: list[dict[str, Any]] = []
    if not ids:
        return counts, opened
    ranges = [p.bounds() for p in periods]
    field = "concern__written_at"
    flag = IntegerField()
    # The periods' involvements with their concern's school, times and a 0/1 flag per period.
    links = (
        ConcernPupil.objects.filter(_in_ranges(field, ranges), concern__school_id__in=ids)
        .exclude(concern__status=ConcernStatus.DRAFT)
        .order_by()
        .values(
            "id",
            "concern_id",
            "pupil_id",
            "pupil_year_group",
            of_school=F("concern__school_id"),
            written=F("concern__written_at"),
            opened=F("concern__opened_at"),
            **{
                f"p{i}": Case(
                    When(_in_ranges(field, [r]), then=Value(1)), default=Value(0), output_field=flag
                )
                for i, r in enumerate(ranges)
            },
        )
    )
    members = Pupil.objects.filter(pupils.q()).order_by().values("id")
    links_sql, links_params = links.query.sql_with_params()
    members_sql, members_params = members.query.sql_with_params()
    ns = range(len(ranges))
    flags = ", ".join(f'"p{i}"' for i in ns)

    def columns(count: str, with_times: bool) -> str:
        # Per period: its concerns, those opened, and the wait's median and 90th percentile.
        out = []
        for i in ns:
            out.append(count.format(i=i))
            if with_times:
                out.append(f'COUNT("opened") FILTER (WHERE "p{i}" = 1)')
                out.append(
                    "percentile_cont(ARRAY[0.5, 0.9]::double precision[]) WITHIN GROUP "
                    f'(ORDER BY "opened" - "written") FILTER (WHERE "p{i}" = 1)'
                )
            else:
                out += ["NULL::bigint", "NULL::interval[]"]
        return ", ".join(out)

    per_concern = columns('SUM("p{i}")', True)
    per_key = columns('COUNT(DISTINCT "concern_id") FILTER (WHERE "p{i}" = 1)', False)
    ic, cat = InvolvementCategory._meta.db_table, Category._meta.db_table
    top = f'COALESCE("{cat}"."parent_id", "{ic}"."category_id")::text'
    # Table and column names and numbers of ours only; the values are the ORM's parameters.
    # MATERIALIZED keeps PostgreSQL from starting from the group's pupils, then all their
    # involvements and each one's concern (seconds for a large group whose size it misjudges);
    # "named" is the group's pupils' involvements only, read four times.
    sql = (
        f'WITH "links" AS MATERIALIZED ({links_sql}), '  # noqa: S608 - the ORM's SQL, our names
        f'"named" AS MATERIALIZED (SELECT "links".* FROM "links" INNER JOIN ({members_sql}) '
        'AS "members" ON "members"."id" = "links"."pupil_id") '
        f'SELECT 0, "of_school", \'\', {per_concern} FROM (SELECT DISTINCT "concern_id", '
        f'"of_school", "written", "opened", {flags} FROM "named") AS "concerns" '
        'GROUP BY "of_school" '
        f'UNION ALL SELECT 1, "of_school", "pupil_year_group", {per_key} FROM "named" '
        'GROUP BY "of_school", "pupil_year_group" '
        f'UNION ALL SELECT 2, "of_school", {top}, {per_key} FROM "named" '
        f'INNER JOIN "{ic}" ON "{ic}"."involvement_id" = "named"."id" '
        f'INNER JOIN "{cat}" ON "{cat}"."id" = "{ic}"."category_id" GROUP BY 2, 3'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*links_params, *members_params))
        for kind, school_id, key, *values in cursor.fetchall():
            for i in ns:
                if values[3 * i]:
                    counts[(i, school_id, _GROUP_ROWS[kind], key)] += int(values[3 * i])
            if kind == 0:
                n = [int(values[3 * i + 1] or 0) for i in ns] + [0, 0]
                waits = [values[3 * i + 2] for i in ns] + [None, None]
                row = {"school_id": school_id, "n": n[0], "n_prev": n[1]}
                opened.append({**row, "cur": waits[0], "prev": waits[1]})
    return counts, opened


class PercentileCont(Aggregate):
    """PostgreSQL's `percentile_cont(ARRAY[f, ...]) WITHIN GROUP (ORDER BY expr)`: continuous
    percentiles of durations, several from one sort."""

    function = "percentile_cont"
    template = "%(function)s(%(fractions)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False

    def __init__(self, expression: Any, fractions: Sequence[float], **extra: Any) -> None:
        if not fractions or not all(0 <= f <= 1 for f in fractions):
            raise ValueError("Percentiles are fractions from 0 to 1.")
        literal = ", ".join(repr(float(f)) for f in fractions)
        super().__init__(
            expression,
            fractions=f"ARRAY[{literal}]::double precision[]",
            output_field=ArrayField(DurationField()),
            **extra,
        )


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The continuous percentile of `values` exactly as PostgreSQL's percentile_cont computes
    it (linear interpolation between the two nearest ranks), for databases without it."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = math.floor(position)
    upper = math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _figures_for(
    schools: list[School],
    period: Period,
    previous: Period,
    now: datetime.datetime,
    categories: list[tuple[int, str]],
    counts: Counts,
    pupils: PupilGroup | None = None,
    opened: list[dict[str, Any]] | None = None,
    keep_waits: bool = False,
) -> list[SchoolFigures]:
    """The figures of each school; `counts` holds the period (index 0) and the one before (1),
    `opened` their times to open when already read with them (`_period_counts`). With `pupils`,
    every figure about concerns or pupils is narrowed to that group (ADR 0026). `keep_waits`:
    each school's times to open are kept until its concerns change (`_kept_time_to_open`)."""
    ids = [s.pk for s in schools]
    out = {s.pk: SchoolFigures(school_id=s.pk, school_name=s.name) for s in schools}
    if not ids:
        return []
    today = timezone.localdate(now)
    _set_concern_counts(out, counts, categories)
    _set_untriaged(out, ids, now, pupils)
    if opened is None and keep_waits and pupils is None and connection.vendor == "postgresql":
        _kept_time_to_open(out, ids, period, previous)
    elif opened is None:
        _time_to_open(out, ids, *_written_in(period, previous, pupils))
    else:
        _set_time_to_open(out, opened)
    _set_open_records(out, ids, now, today, pupils)
    _set_reviews(out, ids, today, pupils)
    return [out[sid] for sid in ids]


def _set_concern_counts(
    out: dict[int, SchoolFigures], counts: Counts, categories: list[tuple[int, str]]
) -> None:
    """Concerns, by top-level category and by year group as signed, in the period (index 0)
    and the one before (1). A concern counts once under a category or year group however many
    of its pupils share it."""
    years: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    by_cat: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (i, sid, dimension, key), n in counts.items():
        if i > 1 or sid not in out:
            continue
        if dimension == TallyDimension.ALL:
            if i == 0:
                out[sid].concerns += n
            else:
                out[sid].concerns_previous += n
        elif dimension == TallyDimension.CATEGORY:
            by_cat[sid][int(key)][i] += n
        else:
            years[sid][key][i] += n
    order = {str(label): n for n, label in enumerate(YearGroup.labels)}
    for sid, f in out.items():
        f.by_category = [
            CategoryCount(cid, label, *by_cat[sid].get(cid, [0, 0])) for cid, label in categories
        ]
        f.by_year_group = [
            YearGroupCount(label or "Not recorded", cur, prev)
            for label, (cur, prev) in sorted(
                years[sid].items(), key=lambda kv: (order.get(kv[0], 99), kv[0])
            )
            if cur or prev
        ]


def _written_in(period: Period, previous: Period, pupils: PupilGroup | None) -> tuple[Q, Q, Q]:
    """Concerns written in the period, in the one before, and in either (of the group's pupils
    only, with `pupils`), for the time from submission to a DSL opening them."""
    cur_start, cur_end = period.bounds()
    prev_start, prev_end = previous.bounds()
    in_cur = Q(written_at__gte=cur_start, written_at__lt=cur_end)
    in_prev = Q(written_at__gte=prev_start, written_at__lt=prev_end)
    either = Q(written_at__gte=min(cur_start, prev_start), written_at__lt=max(cur_end, prev_end))
    return in_cur, in_prev, either & _involving(pupils)


def _set_untriaged(
    out: dict[int, SchoolFigures],
    ids: list[int],
    now: datetime.datetime,
    pupils: PupilGroup | None,
) -> None:
    """The untriaged concerns (whenever written), by age."""
    bands = [now - datetime.timedelta(hours=1), now - datetime.timedelta(days=1)]
    bands.append(now - datetime.timedelta(days=3))
    # Counting a column of the index (never null once signed) reads the index alone.
    rows: Any = (
        Concern.objects.filter(untriaged_q(), _involving(pupils), school_id__in=ids)
        .values("school_id")
        .annotate(
            untriaged=Count("written_at"),
            u0=Count("written_at", filter=Q(written_at__gt=bands[0])),
            u1=Count("written_at", filter=Q(written_at__lte=bands[0], written_at__gt=bands[1])),
            u2=Count("written_at", filter=Q(written_at__lte=bands[1], written_at__gt=bands[2])),
            u3=Count("written_at", filter=Q(written_at__lte=bands[2])),
            oldest=Min("written_at"),
        )
        .order_by()
    )
    for row in rows:
        f = out[row["school_id"]]
        f.untriaged = row["untriaged"]
        f.untriaged_ages = {key: row[f"u{n}"] for n, (key, _) in enumerate(UNTRIAGED_AGE_BANDS)}
        f.oldest_untriaged_since = row["oldest"]


def _set_open_records(
    out: dict[int, SchoolFigures],
    ids: list[int],
    now: datetime.datetime,
    today: datetime.date,
    pupils: PupilGroup | None,
) -> None:
    """Open CP files; open, overdue and followed-up referrals; open and overdue actions."""
    row: Any
    for row in (
        CpFile.objects.filter(open_cp_file_q(), _of(pupils, "pupil__"), school_id__in=ids)
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        out[row["school_id"]].open_cp_files = row["n"]
    for row in (
        # A written follow-up is owed whatever has happened since (the referral list and the
        # home page count it so): closed referrals count there too.
        Referral.objects.filter(
            open_referral_q() | follow_up_outstanding_q(), _of(pupils, "pupil__"), school_id__in=ids
        )
        .values("school_id")
        .annotate(
            open=Count("pk", filter=open_referral_q()),
            overdue=Count("pk", filter=open_referral_q() & overdue_q(now)),
            follow_up=Count("pk", filter=follow_up_outstanding_q()),
        )
        .order_by()
    ):
        f = out[row["school_id"]]
        f.referrals_open, f.referrals_overdue = row["open"], row["overdue"]
        f.follow_ups_outstanding = row["follow_up"]
    for row in (
        Action.objects.filter(open_action_q(), _involving(pupils, "concern_id"), school_id__in=ids)
        .values("school_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue_action_q(today)))
        .order_by()
    ):
        f = out[row["school_id"]]
        f.actions_open, f.actions_overdue = row["open"], row["overdue"]


def _set_reviews(
    out: dict[int, SchoolFigures], ids: list[int], today: datetime.date, pupils: PupilGroup | None
) -> None:
    """Reviews of open risk assessments and current plans and statuses, due and upcoming."""
    horizon = today + REVIEW_HORIZON
    reviews: Any = (
        RiskAssessment.objects.filter(
            open_risk_assessment_q(), _covering(pupils), school_id__in=ids, review_date__lte=horizon
        )
        .values("school_id")
        .annotate(
            due=Count("pk", filter=review_due_q(today)),
            upcoming=Count("pk", filter=Q(review_date__gt=today)),
        )
        .order_by()
        .union(
            PupilStatus.objects.filter(
                current_status_q(),
                _of(pupils, "pupil__"),
                school_id__in=ids,
                review_date__lte=horizon,
            )
            .values("school_id")
            .annotate(
                due=Count("pk", filter=review_due_q(today)),
                upcoming=Count("pk", filter=Q(review_date__gt=today)),
            )
            .order_by(),
            all=True,
        )
    )
    for row in reviews:
        f = out[row["school_id"]]
        f.reviews_due += row["due"]
        f.reviews_upcoming += row["upcoming"]


def _covering(pupils: PupilGroup | None) -> Q:
    """Risk assessments covering a pupil of the group."""
    if pupils is None:
        return Q()
    covered = RiskAssessmentPupil.objects.filter(pupils.q("pupil__"), assessment_id=OuterRef("pk"))
    return Q(Exists(covered))


def breakdown_groups() -> list[PupilGroup]:
    """All pupils, then every group of every characteristic, in page order."""
    return [ALL_PUPILS, *(g for groups in BREAKDOWN.values() for g in groups)]


def pupil_breakdown(ids: list[int], period: Period) -> dict[int, dict[str, PupilGroupCounts]]:
    """Per school and group of pupils: the pupils on roll in the period, those named on a
    concern written in it, and those concerns (a concern counts under every group one of its
    pupils is in). Two queries whatever the schools, groups and concerns (ADR 0026): the roll,
    and the period's pupils named on concerns, joined once and counted twice (per concern and
    per pupil)."""
    groups = breakdown_groups()
    out: dict[int, dict[str, PupilGroupCounts]] = {
        sid: {g.key: PupilGroupCounts() for g in groups} for sid in ids
    }
    if not ids:
        return out
    # On roll on any day of the period: joined by its end, and not left by its start.
    on_roll = Q(joined_on__lte=period.end) & (Q(left_on__isnull=True) | Q(left_on__gt=period.start))
    roll: dict[tuple[int, int], int] = {}
    row: Any  # the annotations are named by number
    for row in (
        Pupil.objects.filter(on_roll, school_id__in=ids)
        .values("school_id")
        .annotate(**{f"r{n}": Count("pk", filter=g.q()) for n, g in enumerate(groups)})
        .order_by()
    ):
        for n in range(len(groups)):
            roll[(row["school_id"], n)] = row[f"r{n}"]

    start, end = period.bounds()
    flag = IntegerField()

    def member(n: int, g: PupilGroup, bit: bool) -> Case:
        return Case(
            When(g.q(), then=Value(1 << n if bit else 1)), default=Value(0), output_field=flag
        )

    # The period's involvements, found from the concerns' (school, written) index and then the
    # involvements' (concern, pupil) index: filtering the involvements by school as well made
    # PostgreSQL read every involvement of the schools (1.25 million at the benchmark's size)
    # and every concern, 3 to 4 times slower (ADR 0026). A concern's involvements are its
    # school's, so the schools are still only these; the concern's school, from the same index,
    # lets the involvements be read from their index alone.
    links = (
        ConcernPupil.objects.filter(
            concern__school_id__in=ids,
            concern__written_at__gte=start,
            concern__written_at__lt=end,
        )
        .exclude(concern__status=ConcernStatus.DRAFT)
        .order_by()
        .values("concern_id", "pupil_id", of_school=F("concern__school_id"))
    )
    # The groups of each pupil named in the period, worked out once per pupil rather than once
    # per involvement. PostgreSQL carries them as the bits of one number (one aggregate per
    # concern, not one per group: measured 25% faster at the benchmark's size); elsewhere
    # (SQLite) a column each. Distinct counts per group would sort the rows once per group.
    if len(groups) > 31:
        raise ValueError("Too many groups of pupils for one number's bits.")
    # The schools' pupils, and any other pupil named (the services keep a concern's pupils its
    # school's; the database does not): read in one pass over the roll. Only the pupils named,
    # as first built, were looked up one by one by id, PostgreSQL expecting 200 of them (35,000
    # at the benchmark's size; ADR 0026, third pass); the join below keeps those named only.
    marks, columns, flags, sums = _marks(ids, groups, member)
    links_sql, links_params = links.query.sql_with_params()
    marks_sql, marks_params = marks.query.sql_with_params()

    def per(column: str, kind: int) -> str:
        # Column names and numbers of ours only.
        return (
            f'SELECT {kind}, "school_id", {sums} FROM (SELECT "school_id", {flags[column]} '  # noqa: S608
            f'FROM "involved" GROUP BY "school_id", "{column}") AS "per_{column}" '
            'GROUP BY "school_id"'
        )

    # Each involvement once with the groups its pupil is in; then per concern (is any of its
    # pupils in the group?) and per pupil, summed per school. MATERIALIZED keeps PostgreSQL
    # from folding the involvements back into one join with the pupils (the slow plan above).
    # A planner's hint only: SQLite before 3.35 (Django 5.2 accepts 3.31) refuses the word.
    kept = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    sql = (
        f'WITH "links" AS {kept}({links_sql}), '  # noqa: S608 - the ORM's SQL, our names
        f'"marks" AS {kept}({marks_sql}), '
        f'"involved" AS (SELECT "of_school" AS "school_id", "concern_id", "pupil_id", {columns} '
        'FROM "links" INNER JOIN "marks" ON "marks"."id" = "links"."pupil_id") '
        f"{per('concern_id', 0)} UNION ALL {per('pupil_id', 1)}"
    )
    params = (*links_params, *marks_params)
    named: dict[tuple[int, int, int], int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # the ORM's SQL and column numbers only: no text from outside
        for kind, school_id, *counts in cursor.fetchall():
            for n, c in enumerate(counts):
                named[(kind, school_id, n)] = int(c or 0)
    for sid in ids:
        for n, g in enumerate(groups):
            out[sid][g.key] = PupilGroupCounts(
                on_roll=roll.get((sid, n), 0),
                with_concerns=named.get((1, sid, n), 0),
                concerns=named.get((0, sid, n), 0),
            )
    return out


BREAKDOWN_KEPT_SECONDS = 24 * 60 * 60


def _kept_breakdown(school_id: int, period: Period) -> dict[str, PupilGroupCounts]:
    """`pupil_breakdown` for one school (its dashboard), kept until the school's concerns or
    pupils change (ADR 0036): it is read from the concerns signed in the period and the pupils'
    characteristics, and signing a concern sets its `updated_at`, as every change to a pupil
    does (the roll's services and imports set it in bulk too). Kept only once both have been
    still for a minute (`WAITS_SETTLED`), as the times to open are."""
    stamps = (
        Concern.objects.filter(school_id=school_id)
        .exclude(status=ConcernStatus.DRAFT)
        .aggregate(changed=Max("updated_at"))["changed"],
        Pupil.objects.filter(school_id=school_id).aggregate(changed=Max("updated_at"))["changed"],
    )
    key = (
        "oversight:breakdown:"
        + hashlib.sha256(repr((school_id, period.bounds(), stamps)).encode()).hexdigest()
    )
    kept: dict[str, PupilGroupCounts] | None = caches["figures"].get(key)
    if kept is not None:
        return kept
    counts = pupil_breakdown([school_id], period)[school_id]
    quiet_since = timezone.now() - WAITS_SETTLED
    if all(stamp is None or stamp < quiet_since for stamp in stamps):
        caches["figures"].set(key, counts, BREAKDOWN_KEPT_SECONDS)
    return counts


def _marks(
    ids: list[int], groups: list[PupilGroup], member: Any
) -> tuple[Any, str, dict[str, str], str]:
    """The groups of each pupil of the schools and of each other pupil named in "links" (the
    query, its columns, how a concern's and a pupil's groups are combined, and their sums)."""
    ns = range(len(groups))
    # The schools' pupils, and any other pupil named, in one pass over the roll. (For one school,
    # its roll from the school's index and the others apart took 6 ms less in PostgreSQL and 8 ms
    # more in Python, building the second query's 25 group expressions: ADR 0036.)
    named = Q(school_id__in=ids) | Q(pk__in=RawSQL('SELECT "pupil_id" FROM "links"', ()))
    if connection.vendor == "postgresql":
        bits = [member(n, g, True) for n, g in enumerate(groups)]
        annotate: dict[str, Any] = {"m": reduce(operator.add, bits)}
        kept_columns: tuple[str, ...] = ("m",)
        columns = '"m"'
        flags = {"concern_id": 'BIT_OR("m") AS "m"', "pupil_id": 'MAX("m") AS "m"'}
        sums = ", ".join(f'SUM(("m" >> {n}) & 1)' for n in ns)
    else:
        annotate = {f"g{n}": member(n, g, False) for n, g in enumerate(groups)}
        kept_columns = tuple(f"g{n}" for n in ns)
        columns = ", ".join(f'"g{n}"' for n in ns)
        each = ", ".join(f'MAX("g{n}") AS "g{n}"' for n in ns)
        flags = {"concern_id": each, "pupil_id": each}
        sums = ", ".join(f'SUM("g{n}")' for n in ns)
    marks = Pupil.objects.filter(named).order_by().annotate(**annotate).values("id", *kept_columns)
    return marks, columns, flags, sums


def _time_to_open_rows(ids: list[int], in_cur: Q, in_prev: Q, either: Q) -> list[dict[str, Any]]:
    """On PostgreSQL, per school: the opened concerns of the period and the one before, and the
    median and 90th percentile of their waits (one query)."""
    wait = ExpressionWrapper(F("opened_at") - F("written_at"), output_field=DurationField())
    rows: Any = (
        Concern.objects.filter(submitted_q(), either, school_id__in=ids, opened_at__isnull=False)
        .values("school_id")
        .annotate(
            n=Count("opened_at", filter=in_cur),  # from the index alone
            n_prev=Count("opened_at", filter=in_prev),
            cur=PercentileCont(wait, [0.5, 0.9], filter=in_cur),
            prev=PercentileCont(wait, [0.5, 0.9], filter=in_prev),
        )
        .order_by()
    )
    return list(rows)


def _time_to_open(
    out: dict[int, SchoolFigures], ids: list[int], in_cur: Q, in_prev: Q, either: Q
) -> None:
    if connection.vendor == "postgresql":
        _set_time_to_open(out, _time_to_open_rows(ids, in_cur, in_prev, either))
        return
    opened = Concern.objects.filter(
        submitted_q(), either, school_id__in=ids, opened_at__isnull=False
    )
    # Elsewhere (SQLite for `make run`): the same interpolation over one ordered query.
    waits: dict[tuple[int, bool], list[float]] = defaultdict(list)
    rows2 = opened.annotate(
        current=Case(When(in_cur, then=Value(1)), default=Value(0), output_field=IntegerField())
    ).values_list("school_id", "current", "written_at", "opened_at")
    for school_id, current, written_at, opened_at in rows2:
        if written_at is None or opened_at is None:  # never: filtered on both
            continue
        waits[(school_id, bool(current))].append((opened_at - written_at).total_seconds())
    for (school_id, current), values in waits.items():
        f = out[school_id]
        med, p90 = _as_delta(percentile(values, 0.5)), _as_delta(percentile(values, 0.9))
        if current:
            f.opened, f.time_to_open_median, f.time_to_open_p90 = len(values), med, p90
        else:
            f.opened_previous = len(values)
            f.time_to_open_median_previous, f.time_to_open_p90_previous = med, p90


# A school's times to open are kept (ADR 0036) once its concerns have not changed for this long:
# longer than any transaction that opens or signs a concern takes to commit, and than the clocks
# of two servers differ, so no change can still arrive with an earlier time than the latest seen.
WAITS_SETTLED = datetime.timedelta(minutes=1)
WAITS_KEPT_SECONDS = 24 * 60 * 60


def _kept_time_to_open(
    out: dict[int, SchoolFigures],
    ids: list[int],
    period: Period,
    previous: Period,
) -> None:
    """`_time_to_open`, each school's figures kept until its concerns change.

    The times to open are a percentile over every concern of two terms (a third of the trust
    dashboard's time at 50 schools, and a sort that no tally can hold). They change only when a
    school's concern is signed or opened, and both set its `updated_at`; a signed concern is
    never deleted and its time of writing never changes (concerns/guards.py). So each school's
    latest `updated_at` (one probe of the index concern_school_changed per school) says whether
    its figures kept are still right; only schools with a change are read again."""
    latest = dict(
        School.objects.filter(pk__in=ids)
        .annotate(
            changed=Subquery(
                # Drafts count in no figure: one saved as it is typed does not unsettle it.
                Concern.objects.filter(school_id=OuterRef("pk"))
                .exclude(status=ConcernStatus.DRAFT)
                .order_by("-updated_at")
                .values("updated_at")[:1]
            )
        )
        .values_list("pk", "changed")
    )
    bounds = (period.bounds(), previous.bounds())
    keys = {
        sid: "oversight:waits:"
        + hashlib.sha256(repr((sid, bounds, latest.get(sid))).encode()).hexdigest()
        for sid in ids
    }
    kept = caches["figures"].get_many(list(keys.values()))
    rows = [kept[keys[sid]] for sid in ids if keys[sid] in kept]
    missing = [sid for sid in ids if keys[sid] not in kept]
    if missing:
        fresh = _time_to_open_rows(missing, *_written_in(period, previous, None))
        rows += fresh
        # By the clock, not the figures' `now` (a dashboard can be drawn as at another time).
        quiet_since = timezone.now() - WAITS_SETTLED
        settled = {sid for sid in missing if latest.get(sid) is None or latest[sid] < quiet_since}
        # A school with nothing opened in either period has no row: kept as that, too.
        read = {row["school_id"]: row for row in fresh}
        none = {"n": 0, "n_prev": 0, "cur": None, "prev": None}
        caches["figures"].set_many(
            {keys[sid]: read.get(sid, {"school_id": sid, **none}) for sid in settled},
            WAITS_KEPT_SECONDS,
        )
    _set_time_to_open(out, rows)


def _set_time_to_open(out: dict[int, SchoolFigures], rows: Iterable[Mapping[str, Any]]) -> None:
    """Each school's opened concerns and percentiles of the wait, from rows with `school_id`,
    `n` and `n_prev` (counts) and `cur` and `prev` (the median and the 90th percentile)."""
    for row in rows:
        f = out[row["school_id"]]
        f.opened, f.opened_previous = row["n"], row["n_prev"]
        f.time_to_open_median, f.time_to_open_p90 = row["cur"] or (None, None)
        f.time_to_open_median_previous, f.time_to_open_p90_previous = row["prev"] or (None, None)


def _as_delta(seconds: float | None) -> datetime.timedelta | None:
    return None if seconds is None else datetime.timedelta(seconds=seconds)


def _weekly_by_category(
    ids: list[int],
    last_day: datetime.date,
    categories: list[tuple[int, str]],
    tallied: Tallied | None,
) -> tuple[list[datetime.date], dict[int, list[int]]]:
    """Concerns per top-level category per week (Monday to Sunday) for the 52 weeks ending with
    the week of `last_day`: tallied days from the tallies, the rest from the concerns."""
    last_monday = last_day - datetime.timedelta(days=last_day.weekday())
    weeks = [last_monday - datetime.timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]
    weekly = {cid: [0] * TREND_WEEKS for cid, _ in categories}
    if not ids:
        return weeks, weekly
    index = {monday: n for n, monday in enumerate(weeks)}
    live_from: datetime.date | None = weeks[0]
    mark = tallied.through if tallied is not None else None
    if tallied is not None and mark is not None and mark >= weeks[0]:
        through = min(mark, last_day)

        def read() -> list[tuple[datetime.date, str, int]]:
            rows = (
                ConcernTally.objects.filter(
                    school_id__in=ids,
                    dimension=TallyDimension.CATEGORY,
                    day__gte=weeks[0],
                    day__lte=through,
                )
                .annotate(week=TruncWeek("day", output_field=DateField()))
                .values_list("week", "key")
                .annotate(n=Sum("concerns"))
                .order_by()
            )
            return list(rows)

        for monday, key, n in _tallied_sums("weeks", ids, (weeks[0], through), tallied, read):
            if int(key) in weekly:
                weekly[int(key)][index[monday]] += n
        live_from = mark + datetime.timedelta(days=1) if mark < last_day else None
    if live_from is None:
        return weeks, weekly
    start, end = _midnight(live_from), _midnight(last_day + datetime.timedelta(days=1))
    rows: Any = (
        InvolvementCategory.objects.filter(
            school_id__in=ids,
            involvement__concern__school_id__in=ids,  # so the concerns' index is used
            involvement__concern__written_at__gte=start,
            involvement__concern__written_at__lt=end,
        )
        .exclude(involvement__concern__status=ConcernStatus.DRAFT)
        .values(week=TruncWeek("involvement__concern__written_at"), top=top_category())
        .annotate(n=Count("involvement__concern_id", distinct=True))
        .order_by()
    )
    for row in rows:
        week = row["week"]
        monday = timezone.localtime(week).date() if isinstance(week, datetime.datetime) else week
        if row["top"] in weekly and monday in index:
            weekly[row["top"]][index[monday]] += row["n"]
    return weeks, weekly


def outlier_rule(current: int, baseline: Sequence[int]) -> tuple[bool, float, float, float]:
    """The outlier rule (ADR 0020): flagged when this window's count is above the mean of the
    six windows before it by more than two (population) standard deviations AND by at least
    three concerns. Returns (flagged, mean, standard deviation, threshold)."""
    # Plain float arithmetic, not `statistics` (exact fractions: a fifth of the trust
    # dashboard's time at 50 schools); the counts are small whole numbers, so the same values.
    n = len(baseline)
    mean = math.fsum(baseline) / n if n else 0.0
    stdev = math.sqrt(math.fsum((x - mean) ** 2 for x in baseline) / n) if n > 1 else 0.0
    threshold = max(mean + OUTLIER_SIGMAS * stdev, mean + OUTLIER_MIN_EXCESS)
    return current > mean + OUTLIER_SIGMAS * stdev and current >= threshold, mean, stdev, threshold


def outlier_windows(today: datetime.date) -> list[Period]:
    """The 28 days to today, then the six 28-day windows before it (newest first)."""
    windows = []
    for n in range(OUTLIER_BASELINE_WINDOWS + 1):
        end = today - datetime.timedelta(days=OUTLIER_WINDOW_DAYS * n)
        windows.append(Period(end - datetime.timedelta(days=OUTLIER_WINDOW_DAYS - 1), end))
    return windows


def _outliers(
    ids: list[int],
    names: dict[int, str],
    categories: list[tuple[int, str]],
    counts: Counts,
    *,
    first: int,
) -> list[Outlier]:
    """Schools, categories (across the schools shown) and a category in one school whose count
    in the last 28 days is well above their own six 28-day windows before; `counts` holds the
    windows from index `first`, newest first."""
    size = OUTLIER_BASELINE_WINDOWS + 1
    labels = dict(categories)
    by_school: dict[int, list[int]] = {sid: [0] * size for sid in ids}
    by_pair: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0] * size)
    for (i, sid, dimension, key), n in counts.items():
        w = i - first
        if not 0 <= w < size or sid not in by_school:
            continue
        if dimension == TallyDimension.ALL:
            by_school[sid][w] += n
        elif dimension == TallyDimension.CATEGORY and int(key) in labels:
            by_pair[(sid, int(key))][w] += n
    by_category: dict[int, list[int]] = {cid: [0] * size for cid in labels}
    for (_, cid), series in by_pair.items():  # a concern belongs to one school: sums are exact
        by_category[cid] = [a + b for a, b in zip(by_category[cid], series, strict=True)]

    found: list[Outlier] = []

    def check(kind: str, sid: int | None, cid: int | None, label: str, series: list[int]) -> None:
        flagged, mean, stdev, threshold = outlier_rule(series[0], series[1:])
        if flagged:
            found.append(Outlier(kind, sid, cid, label, series[0], mean, stdev, threshold))

    for sid in ids:
        check("school", sid, None, names[sid], by_school[sid])
    for cid, label in categories:
        if len(ids) > 1:  # across one school, a category is that school's: flagged below
            check("category", None, cid, label, by_category[cid])
    for (sid, cid), series in sorted(by_pair.items()):
        check("school_category", sid, cid, f"{labels[cid]} at {names[sid]}", series)
    found.sort(key=lambda o: -(o.count - o.mean))
    return found
