"""The dashboards' tables: one object per table renders as a GOV.UK table, sorts by any column a
person chooses and downloads as CSV, so the page and the download can never disagree.

A view builds its `Table`s from the figures, then calls `csv_download(request, tables, stem)`: a
request with `?csv=<table key>` gets that table as a CSV file, anything else gets None and the
page is rendered. `{% data_table table %}` (oversight_tags) draws a table with its sort links and
its download link.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.http import HttpRequest, HttpResponse

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection, OWASP): a
# category name or school name typed as "=HYPERLINK(...)" must open as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Cell:
    """One cell: what the page shows, what sorting compares, what the CSV holds, and an optional
    link (drill-down) and marker (a flag such as "Outlier")."""

    text: str
    value: Any = None  # compared when sorting; None sorts last
    href: str = ""
    flag: str = ""  # shown as a tag beside the text; in the CSV, in a column of its own
    csv: str | int | float | None = None  # default: the value if a number, else the text
    unit: str = ""  # what the CSV's number counts ("hours"), said in the column's heading

    def csv_value(self) -> str | int | float:
        if self.csv is not None:
            out: Any = self.csv
        elif isinstance(self.value, int | float) and not isinstance(self.value, bool):
            out = self.value
        else:
            out = self.text
        return _not_a_formula(out)


def _not_a_formula(out: Any) -> Any:
    """Text a spreadsheet would run as a formula, with an apostrophe before it."""
    if isinstance(out, str) and out.startswith(_FORMULA_START):
        return "'" + out
    return out


def number(n: int | None, *, href: str = "", flag: str = "") -> Cell:
    """A count (a missing one shows as a dash, and sorts last)."""
    if n is None:
        return Cell("–", None, csv="")
    return Cell(f"{n:,}", n, href=href, flag=flag)


def text(s: str, *, href: str = "", flag: str = "") -> Cell:
    return Cell(s, s.casefold(), href=href, flag=flag)


def duration(d: datetime.timedelta | None) -> Cell:
    """A time to act, in the largest whole units that read well ("2 days 3 hours"); the CSV
    holds hours to one decimal place so a spreadsheet can sum and sort it."""
    if d is None:
        return Cell("–", None, csv="")
    return Cell(
        human_duration(d), d.total_seconds(), csv=round(d.total_seconds() / 3600, 1), unit="hours"
    )


def human_duration(d: datetime.timedelta) -> str:
    minutes = int(d.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        parts = [(days, "day"), (hours, "hour")]
    elif hours:
        parts = [(hours, "hour"), (mins, "minute")]
    else:
        parts = [(mins, "minute")]
    words = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n]
    return " ".join(words) or "0 minutes"


@dataclass(frozen=True)
class Column:
    label: str
    numeric: bool = False
    sortable: bool = True
    csv_label: str = ""  # default: the label

    @property
    def heading(self) -> str:
        return self.csv_label or self.label


@dataclass(frozen=True)
class Table:
    """A table with a key (unique on its page: the `?csv=` and `?sort=` parameters carry it),
    a caption, columns and rows of cells. The first cell of a row is its header."""

    key: str
    caption: str
    columns: Sequence[Column]
    rows: Sequence[Sequence[Cell]]
    empty: str = "Nothing to show."
    sort_column: int | None = None  # the column the rows are sorted by, if a person chose one
    descending: bool = False
    foot: Sequence[Cell] | None = None  # a totals row, never sorted with the others
    notes: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z0-9-]+", self.key):
            raise ValueError(f"A table key is lower-case letters, digits and dashes: {self.key!r}")
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"Table {self.key!r}: a row has the wrong number of cells.")

    def sorted_by(self, sort: str | None) -> Table:
        """The table sorted as `?sort=<key>.<column>.<asc|desc>` asks (other tables' sort
        parameters and bad values leave it as built)."""
        asked = sort_parsed(sort, self.key, self.columns)
        if asked is None:
            return self
        column, descending = asked
        present = [r for r in self.rows if r[column].value is not None]
        missing = [r for r in self.rows if r[column].value is None]
        present.sort(key=lambda r: r[column].value, reverse=descending)
        return replace(self, rows=[*present, *missing], sort_column=column, descending=descending)

    def csv_response(self, filename: str) -> HttpResponse:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.write("\ufeff")  # so Excel reads the file as UTF-8 (names with accents)
        writer = csv.writer(response)
        headings = []
        for n, column in enumerate(self.columns):
            unit = next((row[n].unit for row in self.rows if row[n].unit), "")
            heading = column.heading
            if unit and f"({unit})" not in heading:
                heading = f"{heading} ({unit})"
            headings.append(_not_a_formula(heading))
        # Flags go in a column of their own, so a column of numbers stays numbers.
        flagged = any(cell.flag for row in self.rows for cell in row)
        writer.writerow([*headings, "Flags"] if flagged else headings)
        for row in self.rows:
            values = [cell.csv_value() for cell in row]
            if flagged:
                flags = [
                    cell.flag if n == 0 else f"{self.columns[n].heading}: {cell.flag}"
                    for n, cell in enumerate(row)
                    if cell.flag
                ]
                values.append(_not_a_formula("; ".join(flags)))
            writer.writerow(values)
        if self.foot:
            totals = [cell.csv_value() for cell in self.foot]
            writer.writerow([*totals, ""] if flagged else totals)
        return response


def sort_parsed(sort: str | None, key: str, columns: Sequence[Column]) -> tuple[int, bool] | None:
    """The column and direction `sort` ("<table key>.<column>.<asc|desc>") asks of the table
    `key`, if it names a sortable column of it (a column number and whether descending)."""
    match = re.fullmatch(r"([a-z0-9-]+)\.(\d+)\.(asc|desc)", sort or "")
    if not match or match[1] != key:
        return None
    column = int(match[2])
    if column >= len(columns) or not columns[column].sortable:
        return None
    return column, match[3] == "desc"


def csv_download(request: HttpRequest, tables: Iterable[Table], stem: str) -> HttpResponse | None:
    """The CSV of the table `?csv=` names (sorted as the page shows it), or None for the page."""
    key = request.GET.get("csv")
    if not key:
        return None
    for table in tables:
        if table.key == key:
            # A table its maker sorted already (the drill-down's, in the database) stays as is.
            chosen = table
            if table.sort_column is None:
                chosen = table.sorted_by(request.GET.get("sort"))
            safe_stem = re.sub(r"[^a-z0-9-]+", "-", stem.lower()).strip("-")
            return chosen.csv_response(f"{safe_stem}-{table.key}.csv")
    return None


def sort_all(request: HttpRequest, tables: Iterable[Table]) -> dict[str, Table]:
    """Every table, the one `?sort=` names sorted as asked, by key for a template (which cannot
    look up a name with a dash in it: "follow-up" is `tables.follow_up`)."""
    sort = request.GET.get("sort")
    return {t.key.replace("-", "_"): t.sorted_by(sort) for t in tables}
