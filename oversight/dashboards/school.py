"""The school dashboard's tiles, tables and charts, built from one school's figures (issue 8).

Every figure on the page is in a table (so it can be read by a screen reader, sorted and
downloaded as CSV) and every chart is drawn from the same rows as the table beside it. Nothing
here names a child or a member of staff: the governor's page is built from the same parts, with
no links to records (`links=False`), and with counts of 1 or 2 hidden in the breakdown by pupil
characteristic (`aggregates_only`); the governor's page is never narrowed to a group of pupils,
which could point to a child (ADR 0026).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.safestring import SafeString

from oversight.dashboards.charts import Bar, bar_chart
from oversight.dashboards.figures import UNTRIAGED_AGE_BANDS, Period, SchoolFigures
from oversight.dashboards.pupil_groups import PupilGroup
from oversight.dashboards.pupil_tables import (
    RATE_NOTE,
    SUPPRESSED_NOTE,
    breakdown_charts,
    breakdown_columns,
    breakdown_rows,
)
from oversight.dashboards.tables import Cell, Column, Table, duration, human_duration, number, text


@dataclass(frozen=True)
class Note:
    """A line under a tile's figure, with a link to the list behind it where there is one."""

    text: str
    href: str = ""


@dataclass(frozen=True)
class Tile:
    """One figure at the top of the page: the figure, what it counts, and lines beneath."""

    key: str
    figure: str
    label: str
    href: str = ""
    notes: tuple[Note, ...] = ()
    warning: str = ""  # said in words beside the figure ("Slipping: ...")


@dataclass
class SchoolDashboard:
    period: Period
    previous: Period
    heading: str  # the period as a column heading: "Autumn term 2026"
    previous_heading: str
    phrase: str  # the period after a verb: "in the autumn term 2026"
    subject: str  # the period as a noun: "the autumn term 2026"
    previous_subject: str
    figures: SchoolFigures
    tiles: list[Tile]
    tables: list[Table]
    charts: dict[str, SafeString] = field(default_factory=dict)
    pupils: PupilGroup | None = None  # the group of pupils the figures are narrowed to
    pupil_charts: list[tuple[str, SafeString]] = field(default_factory=list)

    def count(self, n: int) -> str:
        return f"{n:,}"

    def cell(self, n: int | None, href: str = "") -> Cell:
        return number(n, href=href)


def period_names(period: Period) -> tuple[str, str, str]:
    """A period as a heading, after a verb and as a noun: a whole term by its name ("Autumn
    term 2026", "in the autumn term 2026", "the autumn term 2026"), else by its dates."""
    term = period.term_label
    if term:
        subject = f"the {term[0].lower()}{term[1:]}"
        return term, f"in {subject}", subject
    dates = period.dates
    days = f"{period.days} day{'' if period.days == 1 else 's'}"
    return dates, f"from {dates}", f"the {days} from {dates}"


def _triage_href() -> str:
    return reverse("triage-inbox") + "?status=new"


def _referrals_href(state: str) -> str:
    return reverse("referral-list") + f"?state={state}"


def school_dashboard_build(
    *,
    figures: SchoolFigures,
    period: Period,
    previous: Period,
    now: datetime.datetime,
    links: bool,
    aggregates_only: bool = False,
    pupils: PupilGroup | None = None,
) -> SchoolDashboard:
    """The page's parts. `links`: figures link to the school's lists (the triage inbox, the
    referrals), for people who may read them; the governor's page has none. `aggregates_only`
    (the governor): small counts hidden where the figures are about a group of pupils.
    `pupils`: the group the figures are narrowed to (never on the governor's page)."""
    f = figures
    heading, phrase, subject = period_names(period)
    previous_heading, _, previous_subject = period_names(previous)
    waiting = now - f.oldest_untriaged_since if f.oldest_untriaged_since else None
    dash = SchoolDashboard(
        period=period,
        previous=previous,
        heading=heading,
        previous_heading=previous_heading,
        phrase=phrase,
        subject=subject,
        previous_subject=previous_subject,
        figures=f,
        tiles=[],
        tables=[],
        pupils=pupils,
    )
    count = dash.count

    def plural(n: int) -> str:
        return "" if n == 1 else "s"

    def link(href: str) -> str:
        return href if links else ""

    slipping = ""
    median, before = f.time_to_open_median, f.time_to_open_median_previous
    if f.triage_slipping and median is not None and before is not None:
        slipping = (
            f"the median time to open a concern is {human_duration(median)}, "
            f"up from {human_duration(before)} in {previous_subject}"
        )

    def when(d: datetime.timedelta | None) -> str:
        return human_duration(d) if d is not None else "none opened"

    if waiting is not None:
        oldest = f"the oldest waiting {human_duration(waiting)}"
    else:
        oldest = "none waiting"

    dash.tiles = [
        Tile(
            "concerns",
            count(f.concerns),
            f"concern{plural(f.concerns)} {phrase}",
            notes=(Note(f"{count(f.concerns_previous)} in {previous_subject}"),),
        ),
        Tile(
            "untriaged",
            count(f.untriaged),
            "not yet opened by a DSL",
            href=link(_triage_href()),
            notes=(Note(oldest),),
        ),
        Tile(
            "time-to-open",
            human_duration(f.time_to_open_median) if f.time_to_open_median is not None else "–",
            "median time from submission to a DSL opening it",
            notes=(
                Note(f"90th percentile: {when(f.time_to_open_p90)}"),
                Note(
                    f"{previous_heading}: median "
                    f"{when(f.time_to_open_median_previous)}, "
                    f"90th percentile {when(f.time_to_open_p90_previous)}"
                ),
            ),
            warning=slipping,
        ),
        Tile(
            "cp-files",
            count(f.open_cp_files),
            f"open child-protection file{plural(f.open_cp_files)}",
        ),
        Tile(
            "referrals",
            count(f.referrals_open),
            f"referral{plural(f.referrals_open)} open",
            href=link(_referrals_href("open")),
            notes=(
                Note(f"{count(f.referrals_overdue)} overdue", link(_referrals_href("overdue"))),
                Note(
                    f"{count(f.follow_ups_outstanding)} written follow-up"
                    f"{plural(f.follow_ups_outstanding)} outstanding",
                    link(_referrals_href("follow_up")),
                ),
            ),
        ),
        Tile(
            "actions",
            count(f.actions_open),
            f"action{plural(f.actions_open)} open",
            notes=(Note(f"{count(f.actions_overdue)} overdue"),),
        ),
        Tile(
            "reviews",
            count(f.reviews_due),
            f"review{plural(f.reviews_due)} due",
            notes=(Note(f"{count(f.reviews_upcoming)} due in the next 14 days"),),
        ),
    ]
    dash.tables = [
        _figures_table(dash, links=links),
        _times_table(dash, waiting),
        _categories_table(dash),
        _year_groups_table(dash),
        _ages_table(dash),
        _pupils_table(dash, suppress=aggregates_only),
    ]
    dash.charts = _charts(dash)
    if not aggregates_only:
        dash.pupil_charts = breakdown_charts(f.by_pupil_group, phrase=phrase)
    return dash


def _columns(dash: SchoolDashboard, first: str) -> list[Column]:
    return [
        Column(first),
        Column(dash.heading, numeric=True),
        Column(dash.previous_heading, numeric=True),
    ]


NOW_NOTE = (
    "Figures marked (now) are as they stand today, whatever the dates chosen; "
    "the period before has none."
)


def _figures_table(dash: SchoolDashboard, *, links: bool) -> Table:
    f = dash.figures

    def now_row(label: str, n: int, href: str = "") -> list[Cell]:
        return [text(f"{label} (now)"), dash.cell(n, href=href if links else ""), number(None)]

    return Table(
        key="figures",
        caption="The figures",
        columns=_columns(dash, "Figure"),
        rows=[
            [text("Concerns written"), dash.cell(f.concerns), dash.cell(f.concerns_previous)],
            [text("Concerns opened by a DSL"), dash.cell(f.opened), dash.cell(f.opened_previous)],
            now_row("Not yet opened by a DSL", f.untriaged, _triage_href()),
            now_row("Open child-protection files", f.open_cp_files),
            now_row("Referrals open", f.referrals_open, _referrals_href("open")),
            now_row("Referrals overdue", f.referrals_overdue, _referrals_href("overdue")),
            now_row(
                "Written follow-ups outstanding",
                f.follow_ups_outstanding,
                _referrals_href("follow_up"),
            ),
            now_row("Actions open", f.actions_open),
            now_row("Actions overdue", f.actions_overdue),
            now_row("Reviews due", f.reviews_due),
            now_row("Reviews due in the next 14 days", f.reviews_upcoming),
        ],
        notes=(NOW_NOTE,),
    )


def _times_table(dash: SchoolDashboard, waiting: datetime.timedelta | None) -> Table:
    f = dash.figures
    median = duration(f.time_to_open_median)
    if f.triage_slipping:
        median = Cell(median.text, median.value, flag="Slipping", csv=median.csv)
    return Table(
        key="time-to-open",
        caption="Time from submission to a DSL opening the concern",
        columns=_columns(dash, "Measure"),
        rows=[
            [text("Median"), median, duration(f.time_to_open_median_previous)],
            [
                text("90th percentile"),
                duration(f.time_to_open_p90),
                duration(f.time_to_open_p90_previous),
            ],
            [text("Oldest not yet opened, waiting (now)"), duration(waiting), duration(None)],
        ],
        empty="No concerns.",
        notes=(
            "Over the concerns written in each period that a DSL has opened. "
            "The CSV gives the times in hours.",
        ),
    )


_SEVERAL = (
    "A concern with several {} counts under each, so these can add up to more than the "
    "concerns written."
)


def _categories_table(dash: SchoolDashboard) -> Table:
    return Table(
        key="categories",
        caption="Concerns by category",
        columns=_columns(dash, "Category"),
        rows=[
            [text(c.label), dash.cell(c.count), dash.cell(c.previous)]
            for c in dash.figures.by_category
        ],
        empty="The trust has no categories yet.",
        notes=(_SEVERAL.format("categories"),),
    )


def _year_groups_table(dash: SchoolDashboard) -> Table:
    return Table(
        key="year-groups",
        caption="Concerns by year group",
        columns=_columns(dash, "Year group"),
        rows=[
            [Cell(y.label, n, csv=y.label), dash.cell(y.count), dash.cell(y.previous)]
            for n, y in enumerate(dash.figures.by_year_group)  # sorted as the school's years
        ],
        empty="No concerns in either period.",
        notes=(_SEVERAL.format("pupils in different year groups"),),
    )


def _ages_table(dash: SchoolDashboard) -> Table:
    ages = [dash.figures.untriaged_ages.get(key, 0) for key, _ in UNTRIAGED_AGE_BANDS]
    return Table(
        key="untriaged-ages",
        caption="Concerns not yet opened by a DSL, by how long they have waited (now)",
        columns=[Column("Waiting"), Column("Concerns", numeric=True)],
        rows=[
            [Cell(label, n, csv=label), number(ages[n])]
            for n, (_, label) in enumerate(UNTRIAGED_AGE_BANDS)  # youngest first
        ],
        foot=[text("All"), dash.cell(dash.figures.untriaged)],
    )


def _pupils_table(dash: SchoolDashboard, *, suppress: bool) -> Table:
    notes = [RATE_NOTE]
    if suppress:
        notes.append(SUPPRESSED_NOTE)
    return Table(
        key="pupils",
        caption=f"Pupils and concerns by pupil characteristic, {dash.heading}",
        columns=breakdown_columns(),
        rows=breakdown_rows(dash.figures.by_pupil_group, suppress=suppress),
        notes=tuple(notes),
    )


def _charts(dash: SchoolDashboard) -> dict[str, SafeString]:
    """One chart per table that has a series, drawn from the table's own rows."""
    f = dash.figures

    def compared(title: str, rows: list[tuple[str, int, int]]) -> SafeString:
        return bar_chart(
            title=title,
            bars=[Bar(label, count, previous) for label, count, previous in rows],
            previous_label=dash.previous_heading,
            current_label=dash.heading,
            description="; ".join(
                f"{label}: {count} ({previous} in {dash.previous_subject})"
                for label, count, previous in rows
            )
            or "No concerns.",
        )

    charts = {
        "categories": compared(
            f"Concerns by category {dash.phrase}, compared with {dash.previous_subject}",
            [(c.label, c.count, c.previous) for c in f.by_category],
        ),
        "untriaged-ages": bar_chart(
            title="Concerns not yet opened by a DSL, by how long they have waited",
            bars=[Bar(label, f.untriaged_ages.get(key, 0)) for key, label in UNTRIAGED_AGE_BANDS],
        ),
    }
    if f.by_year_group:
        charts["year-groups"] = compared(
            f"Concerns by year group {dash.phrase}, compared with {dash.previous_subject}",
            [(y.label, y.count, y.previous) for y in f.by_year_group],
        )
    return charts
