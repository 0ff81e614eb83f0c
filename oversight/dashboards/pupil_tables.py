"""The dashboards' tables and charts of concerns by pupil characteristic (issue 14, ADR 0026).

For each group of pupils: the pupils on roll in the period, those named on a concern written in
it, those concerns, and two rates per 100 pupils on roll, so a group named on concerns more often
than its share of the roll stands out. On the governor's page (`suppress`) a count from 1 to 2 is
"fewer than 3", a second count is hidden where the first could be worked out by subtraction, and
no rate is given from a hidden count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from oversight.dashboards.charts import Bar, bar_chart
from oversight.dashboards.figures import PupilGroupCounts
from oversight.dashboards.pupil_groups import (
    ALL_PUPILS,
    BREAKDOWN,
    CHARACTERISTICS,
    SUPPRESSED,
    PupilGroup,
    hidden,
    hide_parts,
)
from oversight.dashboards.tables import Cell, Column, number, text

RATE_NOTE = (
    "A concern counts under every group one of its pupils is in, so the groups' concerns can add "
    "up to more than all pupils'. The characteristics are the roll's as they stand now; pupils on "
    "roll are those on it on any day of the period (leavers included)."
)
WITHHELD = "not shown"
SUPPRESSED_NOTE = (
    f'Counts of 1 or 2 are shown as "{SUPPRESSED}". Where one of them could be worked out by '
    f'taking the others from the total, one more count is "{WITHHELD}" (it may be any size). '
    "A rate is not given when a count behind it is hidden."
)


def suppressed() -> Cell:
    """A hidden count: every one sorts alike, so sorting tells nothing either."""
    return Cell(SUPPRESSED, 1.5, csv=SUPPRESSED)


def hidden_cell(n: int) -> Cell:
    """A count kept from a governor: "fewer than 3" when it is 1 or 2; "not shown" when it is
    hidden only so that a small one cannot be worked out by subtraction (saying "fewer than 3"
    of it would be untrue)."""
    return suppressed() if hidden(n) else Cell(WITHHELD, 1.5, csv=WITHHELD)


def per_hundred(part: int, whole: int) -> float | None:
    return None if not whole else part * 100 / whole


def rate_cell(value: float | None) -> Cell:
    if value is None:
        return Cell("–", None, csv="")
    return Cell(f"{value:.1f}", value, csv=round(value, 1))


@dataclass(frozen=True)
class GroupRow:
    """One group's figures as shown: a cell per count, with hidden ones already hidden."""

    group: PupilGroup
    cells: list[Cell]  # on roll, with concerns, concerns, pupils per 100, concerns per 100


def group_rows(
    counts: dict[str, PupilGroupCounts], characteristic: str, *, suppress: bool
) -> list[GroupRow]:
    """All pupils, then the characteristic's groups (which add up to all pupils)."""
    groups = [ALL_PUPILS, *BREAKDOWN[characteristic]]
    values = [counts.get(g.key, PupilGroupCounts()) for g in groups]
    columns = [[v.on_roll for v in values], [v.with_concerns for v in values]]
    columns.append([v.concerns for v in values])
    hide = [[False] * len(groups) for _ in columns]
    if suppress:
        for c, column in enumerate(columns):
            hide[c] = [hidden(column[0]), *hide_parts(column[1:])]
    rows = []
    for i, (g, v) in enumerate(zip(groups, values, strict=True)):
        shown = [
            hidden_cell(columns[c][i]) if hide[c][i] else number(columns[c][i])
            for c in range(len(columns))
        ]
        pupils = None if hide[0][i] or hide[1][i] else per_hundred(v.with_concerns, v.on_roll)
        concerns = None if hide[0][i] or hide[2][i] else per_hundred(v.concerns, v.on_roll)
        rows.append(GroupRow(g, [*shown, rate_cell(pupils), rate_cell(concerns)]))
    return rows


COUNT_COLUMNS = [
    Column("Pupils on roll", numeric=True),
    Column("Pupils named on concerns", numeric=True),
    Column("Concerns", numeric=True),
    Column("Pupils named on concerns, per 100 on roll", numeric=True),
    Column("Concerns per 100 pupils on roll", numeric=True),
]


def breakdown_rows(counts: dict[str, PupilGroupCounts], *, suppress: bool) -> list[list[Cell]]:
    """Every characteristic's groups, all pupils first (once)."""
    rows: list[list[Cell]] = []
    for n, characteristic in enumerate(CHARACTERISTICS):
        for row in group_rows(counts, characteristic, suppress=suppress):
            if row.group is ALL_PUPILS:
                if n == 0:
                    rows.append([text("All pupils"), text(""), *row.cells])
                continue
            name = CHARACTERISTICS[characteristic]
            rows.append([text(row.group.label), text(name), *row.cells])
    return rows


def breakdown_columns() -> list[Column]:
    return [Column("Pupils"), Column("Characteristic"), *COUNT_COLUMNS]


def breakdown_charts(
    counts: dict[str, PupilGroupCounts], *, phrase: str
) -> list[tuple[str, SafeString]]:
    """A chart per characteristic: pupils named on concerns per 100 on roll, all pupils first
    for comparison (never on a page with hidden counts: a bar's length would give one away)."""
    charts = []
    for characteristic, name in CHARACTERISTICS.items():
        bars = []
        for row in group_rows(counts, characteristic, suppress=False):
            v = counts.get(row.group.key, PupilGroupCounts())
            rate = per_hundred(v.with_concerns, v.on_roll)
            if rate is None:  # nobody on roll: no bar
                continue
            bars.append(Bar(row.group.label, rate, shown=f"{rate:.1f}"))
        charts.append(
            (
                name,
                bar_chart(
                    title=f"Pupils named on concerns per 100 on roll {phrase}, by {name.lower()}",
                    bars=bars,
                    description="; ".join(f"{b.label}: {b.shown}" for b in bars)
                    or "No pupils on roll.",
                ),
            )
        )
    return charts


def characteristic_sentence(group: PupilGroup | None) -> str:
    """The narrowing in words, for the page ("" for all pupils)."""
    if group is None:
        return ""
    name = CHARACTERISTICS[group.characteristic]
    if group.label == "Not recorded":
        return f"{name} not recorded"
    return f"{name}: {group.label}" if group.characteristic == "ethnicity" else group.label


def sum_counts(many: Sequence[dict[str, PupilGroupCounts]]) -> dict[str, PupilGroupCounts]:
    """The schools' counts added up (exact: a pupil and a concern belong to one school)."""
    out: dict[str, PupilGroupCounts] = {}
    for counts in many:
        for key, v in counts.items():
            t = out.get(key, PupilGroupCounts())
            out[key] = PupilGroupCounts(
                t.on_roll + v.on_roll, t.with_concerns + v.with_concerns, t.concerns + v.concerns
            )
    return out
