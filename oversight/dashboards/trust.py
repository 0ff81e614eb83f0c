"""The trust dashboard's page (issue 8), built from the trust's figures
(`oversight.dashboards.figures`).

Everything the TSO sees is made here from one `TrustFigures`: the "needs attention" tables at the
top (counts well above usual, by the rule of ADR 0020; schools whose triage is slipping or whose
items are overdue), every school side by side, concerns by category and school, and the weekly
trend per category. Each table is a `Table` (sortable, downloadable as CSV) and each chart is drawn
from the same numbers as the table beside it, so the picture, the table and the download agree.
Every figure for one school links to the drill-down behind it (`oversight.dashboards.drilldown`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.safestring import SafeString

from oversight.dashboards.charts import Bar, bar_chart, trend_chart
from oversight.dashboards.drilldown.links import Show, drilldown_url
from oversight.dashboards.figures import Outlier, Period, SchoolFigures, TrustFigures
from oversight.dashboards.pupil_groups import CHARACTERISTICS
from oversight.dashboards.pupil_tables import (
    COUNT_COLUMNS,
    RATE_NOTE,
    breakdown_charts,
    breakdown_columns,
    breakdown_rows,
    group_rows,
    sum_counts,
)
from oversight.dashboards.tables import Cell, Column, Table, duration, number, text
from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import School, Trust

OUTLIER_RULE = (
    "Flagged when the last 28 days are more than two standard deviations and at least 3 "
    "concerns above the average of the six 28-day periods before."
)
SLIPPING_RULE = (
    "Triage is slipping when the median time from a concern's submission to a DSL opening it "
    "is at least a quarter longer, and at least an hour longer, than in the period before."
)
ABOVE_USUAL = "Above usual"
SLIPPING = "Slipping"


@dataclass(frozen=True)
class Trend:
    """One category's weekly trend, drawn as a small chart."""

    category_id: int
    label: str
    flagged: bool
    chart: SafeString


@dataclass(frozen=True)
class TrustDashboard:
    """What the trust dashboard shows, for one trust, period and choice of schools."""

    trust_name: str
    figures: TrustFigures
    period_words: str  # "Autumn term 2026, compared with the summer term 2026"
    window_words: str  # "24 October to 20 November 2026"
    trend_words: str  # "the 12 months to the week of 16 November 2026"
    outliers: Table
    follow_up: Table
    schools: Table
    categories: Table
    weekly: Table
    schools_chart: SafeString
    trends: list[Trend]
    # The breakdown by pupil characteristic, when asked for (None otherwise).
    pupils: Table | None  # the schools shown together
    pupils_by_school: Table | None  # each school, by the characteristic chosen
    pupil_charts: list[tuple[str, SafeString]]
    characteristic: str  # the name of the characteristic `pupils_by_school` is by

    @property
    def tables(self) -> list[Table]:
        """Every table of the page, in page order (each downloads as CSV)."""
        tables = [self.outliers, self.follow_up, self.schools, self.categories, self.weekly]
        return tables + [t for t in (self.pupils, self.pupils_by_school) if t is not None]

    @property
    def nothing_needs_attention(self) -> bool:
        return not self.outliers.rows and not self.follow_up.rows


def trust_dashboard_schools(*, actor: Any, trust: Trust) -> QuerySet[School]:
    """The trust's schools whose figures the actor may see, by name (the school filter's list)."""
    allowed = access_for(actor).schools_with(Perm.VIEW_TRUST_DASHBOARD)
    return School.objects.filter(trust=trust, pk__in=allowed).order_by("name")


# --- Words ------------------------------------------------------------------------------------


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:]


def period_words(period: Period, previous: Period) -> str:
    """ "Autumn term 2026, compared with the summer term 2026" (or the dates of each)."""
    term = previous.term_label
    before = f"the {_lower_first(term)}" if term else previous.name
    return f"{period.name}, compared with {before}"


def _concerns_column(period: Period, otherwise: str) -> str:
    """ "Concerns, autumn term 2026" for a whole term, else `otherwise`."""
    term = period.term_label
    return f"Concerns, {_lower_first(term)}" if term else otherwise


# --- Building the page ------------------------------------------------------------------------


def trust_dashboard_build(
    *,
    trust: Trust,
    figures: TrustFigures,
    school_ids: Sequence[int] | None = None,
    characteristic: str | None = None,
) -> TrustDashboard:
    """The page's tables and charts from the trust's figures (`school_ids`: the schools the
    page is filtered to, if it is; `characteristic`: what each school's pupils are broken down
    by, None for no breakdown). Figures narrowed to a group of pupils link nowhere: the lists
    are not narrowed."""
    window = figures.outlier_windows[0]
    # The flags are about the last 28 days: on figures for other dates (October, last year) a
    # flag beside a count would say that count is unusual, which nobody has measured.
    flagged = [o for o in figures.outliers if figures.period.end >= window.end]
    outlier_schools = {o.school_id or 0 for o in flagged if o.kind == "school"}
    outlier_categories = {o.category_id or 0 for o in flagged if o.kind == "category"}
    outlier_pairs = {
        (o.school_id or 0, o.category_id or 0) for o in flagged if o.kind == "school_category"
    }
    trends_scale = max([max(v, default=0) for v in figures.weekly.values()] + [1])
    names = dict(figures.categories)
    # The 52 weeks end with the week of the period's end (or today): say which, not "last 12".
    last_week = figures.weeks[-1]
    trend_words = f"the 12 months to the week of {Period(last_week, last_week).dates}"
    # With one school shown, its flagged categories are the trust-wide picture of the page.
    trend_flags = set(outlier_categories)
    if len(figures.schools) == 1:
        trend_flags |= {cid for _, cid in outlier_pairs}
    trends = [
        Trend(
            category_id=cid,
            label=label,
            flagged=cid in trend_flags,
            chart=trend_chart(
                title=f"{label}: concerns per week, {trend_words}",
                weeks=figures.weeks,
                values=figures.weekly[cid],
                scale=trends_scale,
                flag=cid in trend_flags,
            ),
        )
        for cid, label in figures.categories
    ]
    total = sum_counts([f.by_pupil_group for f in figures.schools])
    page = TrustDashboard(
        trust_name=trust.name,
        figures=figures,
        period_words=period_words(figures.period, figures.previous),
        window_words=window.dates,
        trend_words=trend_words,
        outliers=_outliers_table(figures.outliers, window, names, school_ids),
        follow_up=_follow_up_table(figures),
        schools=_schools_table(figures, outlier_schools),
        categories=_categories_table(figures, outlier_categories, outlier_pairs),
        weekly=_weekly_table(figures, trend_words),
        schools_chart=bar_chart(
            title=f"Concerns per school, {figures.period.name}",
            bars=[
                Bar(s.school_name, s.concerns, s.concerns_previous, s.school_id in outlier_schools)
                for s in figures.schools
            ],
            previous_label=figures.previous.name,
            current_label=figures.period.name,
        ),
        trends=trends,
        pupils=Table(
            key="pupils",
            caption=f"Pupils and concerns by pupil characteristic, all the schools shown, "
            f"{figures.period.name}",
            columns=breakdown_columns(),
            rows=breakdown_rows(total, suppress=False),
            notes=(RATE_NOTE,),
        )
        if characteristic
        else None,
        pupils_by_school=_pupils_by_school_table(figures, characteristic)
        if characteristic
        else None,
        pupil_charts=breakdown_charts(total, phrase=figures.period.name) if characteristic else [],
        characteristic=CHARACTERISTICS.get(characteristic or "", ""),
    )
    if figures.pupils is None:
        return page
    return replace(
        page,
        outliers=_unlinked(page.outliers),
        follow_up=_unlinked(page.follow_up),
        schools=_unlinked(page.schools),
        categories=_unlinked(page.categories),
    )


def _unlinked(table: Table) -> Table:
    """The table with no links (its lists would not be narrowed to the group of pupils)."""

    def plain(cell: Cell) -> Cell:
        return replace(cell, href="") if cell.href else cell

    return replace(
        table,
        rows=[[plain(c) for c in row] for row in table.rows],
        foot=[plain(c) for c in table.foot] if table.foot else table.foot,
    )


def _pupils_by_school_table(figures: TrustFigures, characteristic: str) -> Table:
    name = CHARACTERISTICS[characteristic]
    rows = []
    for f in figures.schools:
        for row in group_rows(f.by_pupil_group, characteristic, suppress=False):
            rows.append([text(f.school_name), text(row.group.label), *row.cells])
    return Table(
        key="pupils-by-school",
        caption=f"Each school's pupils and concerns by {name.lower()}, {figures.period.name}",
        columns=[Column("School"), Column(name), *COUNT_COLUMNS],
        rows=rows,
        empty="No schools to show.",
        notes=(
            "Sort by a rate to see where a group is named on concerns most often against its "
            "share of the roll. " + RATE_NOTE,
        ),
    )


def _outlier_href(outlier: Outlier, window: Period, school_ids: Sequence[int] | None) -> str:
    if outlier.school_id is None:
        # A category across the schools: the category table for the same 28 days, where each
        # school's count links on to its concerns.
        query = [("start", window.start.isoformat()), ("end", window.end.isoformat())]
        query += [("school", str(sid)) for sid in school_ids or []]
        return reverse("trust-dashboard") + "?" + urlencode(query) + "#table-categories"
    return drilldown_url(
        school_id=outlier.school_id,
        category_id=outlier.category_id,
        start=window.start,
        end=window.end,
    )


_KIND = {
    "school": "A school, all its concerns",
    "category": "A category, all the schools shown",
    "school_category": "A category at one school",
}


def _outliers_table(
    outliers: Sequence[Outlier],
    window: Period,
    names: dict[int, str],
    school_ids: Sequence[int] | None,
) -> Table:
    rows = []
    for o in outliers:
        href = _outlier_href(o, window, school_ids)
        rows.append(
            [
                text(o.label, href=href),
                text(_KIND[o.kind]),
                number(o.count, href=href),
                Cell(f"{o.mean:.1f}", o.mean, csv=round(o.mean, 2)),
                Cell(f"{o.count - o.mean:.1f}", o.count - o.mean, csv=round(o.count - o.mean, 2)),
            ]
        )
    return Table(
        key="outliers",
        caption=f"Well above usual in the last 28 days ({window.dates})",
        columns=[
            Column("Which"),
            Column("What is counted"),
            Column("Concerns, last 28 days", numeric=True),
            Column("Usual: average of the six 28-day periods before", numeric=True),
            Column("More than usual", numeric=True),
        ],
        rows=rows,
        empty="No school or category is well above its usual in the last 28 days.",
    )


def _untriaged_over_a_day(f: SchoolFigures) -> int:
    return f.untriaged_ages["1_to_3_days"] + f.untriaged_ages["over_3_days"]


def _follow_up_table(figures: TrustFigures) -> Table:
    period = figures.period
    rows = []
    for f in figures.schools:
        waiting = _untriaged_over_a_day(f)
        if not (f.triage_slipping or f.referrals_overdue or f.actions_overdue or waiting):
            continue
        sid = f.school_id
        median = duration(f.time_to_open_median)
        if f.triage_slipping:
            median = Cell(
                median.text,
                median.value,
                href=drilldown_url(school_id=sid, start=period.start, end=period.end),
                flag=SLIPPING,
                csv=median.csv,
            )
        rows.append(
            [
                text(f.school_name),
                median,
                duration(f.time_to_open_median_previous),
                number(
                    f.referrals_overdue,
                    href=drilldown_url(school_id=sid, show=Show.REFERRALS_OVERDUE),
                ),
                number(
                    f.actions_overdue, href=drilldown_url(school_id=sid, show=Show.ACTIONS_OVERDUE)
                ),
                number(waiting, href=drilldown_url(school_id=sid, show=Show.UNTRIAGED_OVER_A_DAY)),
            ]
        )
    return Table(
        key="follow-up",
        caption="Schools to follow up: triage slipping, or work overdue",
        columns=[
            Column("School"),
            Column("Time to open, median", numeric=True, csv_label="Time to open, median (hours)"),
            Column(
                "Median, the period before",
                numeric=True,
                csv_label="Median, the period before (hours)",
            ),
            Column("Referrals overdue", numeric=True),
            Column("Actions overdue", numeric=True),
            Column("Concerns waiting more than a day to be opened", numeric=True),
        ],
        rows=rows,
        empty="No school's triage is slipping, and nothing is overdue.",
    )


def _schools_table(figures: TrustFigures, outlier_schools: set[int]) -> Table:
    period, previous = figures.period, figures.previous

    def link(sid: int, show: Show) -> str:
        return drilldown_url(school_id=sid, show=show)

    rows = []
    for f in figures.schools:
        sid = f.school_id
        rows.append(
            [
                text(f.school_name, flag=ABOVE_USUAL if sid in outlier_schools else ""),
                number(
                    f.concerns,
                    href=drilldown_url(school_id=sid, start=period.start, end=period.end),
                ),
                number(
                    f.concerns_previous,
                    href=drilldown_url(school_id=sid, start=previous.start, end=previous.end),
                ),
                number(f.open_cp_files, href=link(sid, Show.OPEN_CP_FILES)),
                number(f.referrals_open, href=link(sid, Show.REFERRALS_OPEN)),
                number(f.referrals_overdue, href=link(sid, Show.REFERRALS_OVERDUE)),
                number(f.follow_ups_outstanding, href=link(sid, Show.FOLLOW_UPS)),
                number(f.actions_open, href=link(sid, Show.ACTIONS_OPEN)),
                number(f.actions_overdue, href=link(sid, Show.ACTIONS_OVERDUE)),
                number(f.untriaged, href=link(sid, Show.UNTRIAGED)),
                _flagged(duration(f.time_to_open_median), SLIPPING if f.triage_slipping else ""),
                duration(f.time_to_open_p90),
                number(f.reviews_due, href=link(sid, Show.REVIEWS_DUE)),
            ]
        )
    s = figures.schools

    def total(values: Sequence[int]) -> Cell:
        return number(sum(values))

    foot = [
        text("All schools shown"),
        total([f.concerns for f in s]),
        total([f.concerns_previous for f in s]),
        total([f.open_cp_files for f in s]),
        total([f.referrals_open for f in s]),
        total([f.referrals_overdue for f in s]),
        total([f.follow_ups_outstanding for f in s]),
        total([f.actions_open for f in s]),
        total([f.actions_overdue for f in s]),
        total([f.untriaged for f in s]),
        Cell("–", None, csv=""),  # a median of medians means nothing
        Cell("–", None, csv=""),
        total([f.reviews_due for f in s]),
    ]
    return Table(
        key="schools",
        caption=f"Every school side by side, {period.name}",
        columns=[
            Column("School"),
            Column(_concerns_column(period, "Concerns in these dates"), numeric=True),
            Column(_concerns_column(previous, "Concerns, as many days before"), numeric=True),
            Column("Open CP files", numeric=True),
            Column("Referrals open", numeric=True),
            Column("Referrals overdue", numeric=True),
            Column("Written follow-ups outstanding", numeric=True),
            Column("Actions open", numeric=True),
            Column("Actions overdue", numeric=True),
            Column("Not yet opened by a DSL", numeric=True),
            Column(
                "Time to open, median",
                numeric=True,
                csv_label="Time to open, median (hours)",
            ),
            Column(
                "Time to open, 90th percentile",
                numeric=True,
                csv_label="Time to open, 90th percentile (hours)",
            ),
            Column("Reviews due", numeric=True),
        ],
        rows=rows,
        foot=foot if s else None,
        empty="No schools to show.",
        notes=(
            f"{ABOVE_USUAL}: the school's concerns in the last 28 days are well above its usual "
            "(see Needs attention). Open files, referrals, actions, untriaged concerns and "
            "reviews are as they stand today. Time to open is from a concern's submission to a "
            "DSL opening it, over the period's concerns that have been opened.",
        ),
    )


def _flagged(cell: Cell, flag: str) -> Cell:
    if not flag:
        return cell
    return Cell(cell.text, cell.value, href=cell.href, flag=flag, csv=cell.csv)


def _categories_table(
    figures: TrustFigures, outlier_categories: set[int], outlier_pairs: set[tuple[int, int]]
) -> Table:
    period = figures.period
    counts = {(f.school_id, c.category_id): c.count for f in figures.schools for c in f.by_category}
    rows = []
    for cid, label in figures.categories:
        row = [text(label, flag=ABOVE_USUAL if cid in outlier_categories else "")]
        for f in figures.schools:
            row.append(
                number(
                    counts.get((f.school_id, cid), 0),
                    href=drilldown_url(
                        school_id=f.school_id, category_id=cid, start=period.start, end=period.end
                    ),
                    flag=ABOVE_USUAL if (f.school_id, cid) in outlier_pairs else "",
                )
            )
        row.append(number(sum(counts.get((f.school_id, cid), 0) for f in figures.schools)))
        rows.append(row)
    return Table(
        key="categories",
        caption=f"Concerns by category and school, {period.name}",
        columns=[
            Column("Category"),
            *[Column(f.school_name, numeric=True) for f in figures.schools],
            Column("All schools shown", numeric=True),
        ],
        rows=rows,
        empty="The trust has no categories yet.",
        notes=(
            "A concern counts once under each category it has, so the categories can add up to "
            "more than the concerns. A subcategory counts under its heading.",
            f"{ABOVE_USUAL}: the category's concerns in the last 28 days, in all the schools shown "
            "or in one school, are well above its usual (see Needs attention).",
        ),
    )


def _weekly_table(figures: TrustFigures, trend_words: str) -> Table:
    rows = []
    for n, monday in enumerate(figures.weeks):
        rows.append(
            [
                Cell(
                    f"Week of {Period(monday, monday).dates}",
                    monday.toordinal(),
                    csv=monday.isoformat(),
                ),
                *[number(figures.weekly[cid][n]) for cid, _ in figures.categories],
            ]
        )
    return Table(
        key="weekly",
        caption=f"Concerns per week by category, {trend_words}",
        columns=[
            Column("Week", csv_label="Week beginning (Monday)"),
            *[Column(label, numeric=True) for _, label in figures.categories],
        ],
        rows=rows,
        empty="No weeks to show.",
    )
