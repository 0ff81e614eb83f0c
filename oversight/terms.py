"""School terms for quality assurance: three a school year, by calendar month (docs/adr/0018).

Autumn is 1 September to 31 December, spring 1 January to 31 March, summer 1 April to 31 August.
Schools set their own term dates (as closures, docs/adr/0011) and Easter moves, so fixed months are
the one rule every school of a trust shares; a sample "per school per term" then means the same
dates for every school. A term is named like "2026-autumn" in URLs and rows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from safeguard.params import whole_number

_SEASONS = [("spring", 1, 3), ("summer", 4, 8), ("autumn", 9, 12)]


@dataclass(frozen=True, order=True)
class Term:
    year: int
    index: int  # 0 spring, 1 summer, 2 autumn (calendar order within a year)

    @property
    def season(self) -> str:
        return _SEASONS[self.index][0]

    @property
    def key(self) -> str:
        return f"{self.year}-{self.season}"

    @property
    def label(self) -> str:
        return f"{self.season.capitalize()} term {self.year}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, _SEASONS[self.index][1], 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the term."""
        return self.next().start - datetime.timedelta(days=1)

    def next(self) -> Term:
        return Term(self.year + 1, 0) if self.index == 2 else Term(self.year, self.index + 1)

    def previous(self) -> Term:
        return Term(self.year - 1, 2) if self.index == 0 else Term(self.year, self.index - 1)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) as aware datetimes at London midnight."""
        tz = timezone.get_current_timezone()
        start = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=tz)
        end = datetime.datetime.combine(self.next().start, datetime.time.min, tzinfo=tz)
        return start, end

    def __str__(self) -> str:
        return self.label


def term_of(day: datetime.date | datetime.datetime) -> Term:
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    for index, (_, first, last) in enumerate(_SEASONS):
        if first <= day.month <= last:
            return Term(day.year, index)
    raise AssertionError("every month is in a term")  # pragma: no cover


def current_term() -> Term:
    return term_of(timezone.localdate())


# No term before the dashboards' earliest day is asked about, nor one more than a year ahead (and
# a year 0 or 9999 has no term around it to compute).
_EARLIEST_YEAR = 2000


def parse_term(key: str | None) -> Term | None:
    """The term named by `key` ("2026-autumn"), or None for anything else (a year written with
    other digits than 0 to 9, or out of range)."""
    if not key or "-" not in key:
        return None
    year, _, season = key.partition("-")
    names = [s[0] for s in _SEASONS]
    number = whole_number(year)
    if number is None or len(year) != 4 or season not in names:
        return None
    if not _EARLIEST_YEAR <= number <= timezone.localdate().year + 1:
        return None
    return Term(number, names.index(season))


def recent_terms(count: int = 6) -> list[Term]:
    """The current term and those before it, newest first."""
    terms = [current_term()]
    while len(terms) < count:
        terms.append(terms[-1].previous())
    return terms
