"""The trust dashboard page (issue 8) against figures worked out by hand.

The fixture is the one of `tests/support/figures.py` (school A and Gamma School in trust Northgate, school B
in another trust), with "now" fixed at Friday 20 November 2026, noon, London: this term is autumn
2026 and the one before summer 2026. The page, each CSV and each chart are read as a person or a
spreadsheet would read them: the table cells' visible text, the links and the flags.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils.html import escape

from concerns.models import Concern
from oversight.dashboards.drilldown.links import Show, drilldown_url
from oversight.dashboards.figures import outlier_windows
from safeguard.middleware import ACTING_SCHOOL
from schools import services as school_services
from tests.support.dashboard_queries import TRUST_CSV_QUERIES, TRUST_PAGE_QUERIES
from tests.support.factories import PupilFactory, SchoolFactory, member, trust_member
from tests.support.figures import (
    NOW,
    TODAY,
    Fixture,
    bulk_concerns,
    make_fixture,
    seed_gamma,
    seed_school_a,
)

URL = "/trust/dashboard/"
WINDOW = outlier_windows(TODAY)[0]  # 24 October to 20 November 2026


@pytest.fixture
def fx(world: Any) -> Fixture:
    return make_fixture(world)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def tso(fx: Fixture, client: Client) -> Client:
    client.force_login(fx.world.users["tso"])
    return client


def _get(client: Client, query: str = "") -> Any:
    return client.get(URL + query)


# --- Reading the page as a person reads it ---------------------------------------------------


@dataclass
class Cell:
    text: str = ""
    href: str = ""
    flag: str = ""


@dataclass
class Shown:
    """One `{% data_table %}`: its column headings, rows and totals row as shown."""

    headings: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    foot: list[Cell] = field(default_factory=list)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]

    def column(self, n: int) -> list[str]:
        return [row[n].text for row in self.rows]


class _Tables(HTMLParser):
    """The page's data tables by key, without the visually hidden words a link carries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, Shown] = {}
        self._key: str | None = None
        self._part = ""  # "head", "body" or "foot"
        self._cell: Cell | None = None
        self._row: list[Cell] | None = None
        self._hidden = 0  # depth inside a visually hidden span
        self._flag = False
        self._stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and a.get("data-table"):
            self._key = a["data-table"]
            self.tables[self._key] = Shown()
        if self._key is None:
            return
        if tag in {"thead", "tbody", "tfoot"}:
            self._part = tag[1:] if tag != "tbody" else "body"
        elif tag == "tr":
            self._row = []
        elif tag in {"th", "td"} and self._row is not None:
            self._cell = Cell()
        elif tag == "a" and self._cell is not None and self._part != "head":
            self._cell.href = a.get("href") or ""
        if tag == "span":
            self._stack.append("hidden" if "govuk-visually-hidden" in classes else "span")
            if "govuk-visually-hidden" in classes:
                self._hidden += 1
        if tag == "strong" and "app-flag" in classes:
            self._flag = True

    def handle_endtag(self, tag: str) -> None:
        if self._key is None:
            return
        if tag == "span" and self._stack and self._stack.pop() == "hidden":
            self._hidden -= 1
        elif tag == "strong":
            self._flag = False
        elif tag in {"th", "td"} and self._cell is not None and self._row is not None:
            self._cell.text = " ".join(self._cell.text.split())
            self._cell.flag = self._cell.flag.strip()
            self._row.append(self._cell)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self.tables[self._key]
            if self._part == "head":
                table.headings = [c.text for c in self._row]
            elif self._part == "foot":
                table.foot = self._row
            elif len(self._row) == max(len(table.headings), 2):  # not the "nothing" row
                table.rows.append(self._row)
            self._row = None
        elif tag == "table":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._cell is None or self._hidden:
            return
        if self._flag:
            self._cell.flag += data
        else:
            self._cell.text += data


def tables_of(response: Any) -> dict[str, Shown]:
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser.tables


def csv_of(client: Client, key: str, query: str = "") -> list[list[str]]:
    response = _get(client, f"?csv={key}" + (f"&{query}" if query else ""))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _count_behind(client: Client, href: str) -> str:
    """Follow a figure's link to the drill-down and read how many records it lists."""
    response = client.get(href)
    assert response.status_code == 200
    found = re.search(r'data-testid="drilldown-count">([^<]*)<', response.content.decode())
    assert found
    return found[1]


def _drill(sid: int, show: Show = Show.CONCERNS, **kw: Any) -> str:
    return drilldown_url(school_id=sid, show=show, **kw)


AUTUMN = {"start": datetime.date(2026, 9, 1), "end": datetime.date(2026, 12, 31)}
SUMMER = {"start": datetime.date(2026, 4, 1), "end": datetime.date(2026, 8, 31)}

SCHOOL_HEADINGS = [
    "School",
    "Concerns, autumn term 2026",
    "Concerns, summer term 2026",
    "Open CP files",
    "Referrals open",
    "Referrals overdue",
    "Written follow-ups outstanding",
    "Actions open",
    "Actions overdue",
    "Not yet opened by a DSL",
    "Time to open, median",
    "Time to open, 90th percentile",
    "Reviews due",
]


def _seeded(fx: Fixture) -> None:
    seed_school_a(fx)
    seed_gamma(fx)


# --- The figures --------------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen")
def test_the_page_shows_the_hand_counted_figures(fx: Fixture, tso: Client) -> None:
    _seeded(fx)
    response = _get(tso)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="govuk-heading-xl govuk-!-margin-bottom-4">Northgate</h1>' in page
    assert "Autumn term 2026, compared with the summer term 2026." in page
    # The term is not over: its counts are to today, the summer term's in full.
    assert "Counted to today, 20 November 2026: the period is not over yet" in page
    t = tables_of(response)
    # No outliers: no table. By pupil characteristic only when asked for (issue 14).
    assert set(t) == {"follow-up", "schools", "categories", "weekly"}

    schools = t["schools"]
    assert schools.headings == SCHOOL_HEADINGS
    # Alpha: 5 concerns this term (10 Sep, 5 Oct, 2, 18 and 20 Nov), 3 last (1 May, 15 Jun,
    # 1 Jul); open CP files 2 of 3; referrals open 3 (one escalated), 1 overdue, 1 follow-up;
    # actions 2 open, 1 overdue; untriaged 3; opened after 1, 3, 5 hours; reviews due 2.
    # Gamma: 1 concern (17 Nov), opened after 10 hours.
    assert schools.texts() == [
        ["Alpha School", "5", "3", "2", "3", "1", "1", "2", "1", "3"]
        + ["3 hours", "4 hours 36 minutes", "2"],
        ["Gamma School", "1", "0", "0", "0", "0", "0", "0", "0", "0"]
        + ["10 hours", "10 hours", "0"],
    ]
    assert [c.text for c in schools.foot] == [
        "All schools shown",
        *["6", "3", "2", "3", "1", "1", "2", "1", "3", "–", "–", "2"],
    ]
    assert not any(c.flag for row in schools.rows for c in row)  # no outlier, no slipping triage

    a, g = fx.world.school.pk, fx.gamma.pk
    alpha = schools.rows[0]
    assert [c.href for c in alpha] == [
        "",
        _drill(a, **AUTUMN),
        _drill(a, **SUMMER),
        _drill(a, Show.OPEN_CP_FILES),
        _drill(a, Show.REFERRALS_OPEN),
        _drill(a, Show.REFERRALS_OVERDUE),
        _drill(a, Show.FOLLOW_UPS),
        _drill(a, Show.ACTIONS_OPEN),
        _drill(a, Show.ACTIONS_OVERDUE),
        _drill(a, Show.UNTRIAGED),
        "",
        "",
        _drill(a, Show.REVIEWS_DUE),
    ]
    # Every drill-down link goes to the TSO's list of that school's records.
    match = resolve(urlsplit(alpha[1].href).path)
    assert (match.url_name, match.kwargs) == ("trust-drilldown", {"school_id": a})
    assert parse_qs(urlsplit(alpha[1].href).query) == {
        "show": ["concerns"],
        "start": ["2026-09-01"],
        "end": ["2026-12-31"],
    }
    # Each figure is the number of records on the list its link opens.
    for cell in [*alpha, *schools.rows[1]]:
        if cell.href:
            assert _count_behind(tso, cell.href) == cell.text, cell.href

    categories = t["categories"]
    assert categories.headings == ["Category", "Alpha School", "Gamma School", "All schools shown"]
    # Abuse: 10 Sep (physical), 5 Oct (physical, with bullying), 18 Nov; bullying: 5 Oct and
    # 20 Nov at Alpha, 17 Nov at Gamma; online safety: 2 Nov.
    assert categories.texts() == [
        ["Abuse", "3", "0", "3"],
        ["Bullying", "2", "1", "3"],
        ["Online safety", "1", "0", "1"],
    ]
    bullying = fx.cats["Bullying"].pk
    assert categories.rows[1][2].href == _drill(g, category_id=bullying, **AUTUMN)
    assert categories.rows[1][3].href == ""
    for row in categories.rows:
        for cell in row[1:3]:
            assert _count_behind(tso, cell.href) == cell.text, cell.href

    # Needs attention: nothing above usual; Alpha has a referral and an action overdue and two
    # concerns unopened for more than a day (18 Nov and 15 Jun); its median is 3 h as before.
    assert "No school or category is well above its usual in the last 28 days." in page
    follow = t["follow-up"]
    assert follow.texts() == [["Alpha School", "3 hours", "3 hours", "1", "1", "2"]]
    assert [c.href for c in follow.rows[0][3:]] == [
        _drill(a, Show.REFERRALS_OVERDUE),
        _drill(a, Show.ACTIONS_OVERDUE),
        _drill(a, Show.UNTRIAGED_OVER_A_DAY),
    ]
    assert [_count_behind(tso, c.href) for c in follow.rows[0][3:]] == ["1", "1", "2"]

    weekly = t["weekly"]
    assert weekly.headings == ["Week", "Abuse", "Bullying", "Online safety"]
    assert len(weekly.rows) == 52
    assert weekly.rows[0][0].text == "Week of 24 November 2025"
    by_week = {row[0]: row[1:] for row in weekly.texts()}
    assert by_week["Week of 16 November 2026"] == ["1", "2", "0"]
    assert by_week["Week of 2 November 2026"] == ["0", "0", "1"]
    assert by_week["Week of 5 October 2026"] == ["1", "1", "0"]
    assert by_week["Week of 30 March 2026"] == ["0", "1", "0"]  # 31 March, 23:00
    totals = [sum(int(row[n]) for row in by_week.values()) for n in range(3)]
    assert totals == [4, 5, 2]


@pytest.mark.usefixtures("frozen")
def test_each_table_downloads_as_the_hand_counted_csv(fx: Fixture, tso: Client) -> None:
    _seeded(fx)
    schools = csv_of(tso, "schools")
    assert schools[0][10:12] == [
        "Time to open, median (hours)",
        "Time to open, 90th percentile (hours)",
    ]
    assert schools[1:] == [
        ["Alpha School", "5", "3", "2", "3", "1", "1", "2", "1", "3", "3.0", "4.6", "2"],
        ["Gamma School", "1", "0", "0", "0", "0", "0", "0", "0", "0", "10.0", "10.0", "0"],
        ["All schools shown", "6", "3", "2", "3", "1", "1", "2", "1", "3", "", "", "2"],
    ]
    assert csv_of(tso, "categories") == [
        ["Category", "Alpha School", "Gamma School", "All schools shown"],
        ["Abuse", "3", "0", "3"],
        ["Bullying", "2", "1", "3"],
        ["Online safety", "1", "0", "1"],
    ]
    assert csv_of(tso, "follow-up") == [
        [
            "School",
            "Time to open, median (hours)",
            "Median, the period before (hours)",
            "Referrals overdue",
            "Actions overdue",
            "Concerns waiting more than a day to be opened",
        ],
        ["Alpha School", "3.0", "3.0", "1", "1", "2"],
    ]
    assert csv_of(tso, "outliers") == [
        [
            "Which",
            "What is counted",
            "Concerns, last 28 days",
            "Usual: average of the six 28-day periods before",
            "More than usual",
        ]
    ]
    weekly = csv_of(tso, "weekly")
    assert weekly[0] == ["Week beginning (Monday)", "Abuse", "Bullying", "Online safety"]
    assert weekly[1] == ["2025-11-24", "0", "0", "0"]
    assert weekly[-1] == ["2026-11-16", "1", "2", "0"]
    assert len(weekly) == 53
    response = _get(tso, "?csv=schools")
    assert response["Content-Disposition"] == (
        'attachment; filename="northgate-dashboard-2026-09-01-to-2026-12-31-schools.csv"'
    )


def _bars(response: Any) -> list[tuple[str, str, bool]]:
    """The bar chart of concerns per school: (label, figure, drawn red) per bar."""
    page = response.content.decode()
    chart = page[page.index('data-testid="schools-chart"') :]
    chart = chart[: chart.index("</figure>")]
    labels = re.findall(r'<text class="app-chart__label"[^>]*>([^<]*)</text>', chart)
    values = re.findall(r'<text class="app-chart__value"[^>]*>([^<]*)</text>', chart)
    bars = re.findall(r'<rect class="app-chart__bar( app-chart__bar--flag)?" ', chart)
    return [
        (label, value, bool(flag)) for label, value, flag in zip(labels, values, bars, strict=True)
    ]


def _trends(response: Any) -> dict[str, tuple[list[int], bool]]:
    """Each weekly trend chart's values, read back from its drawn line, and whether it is red."""
    page = response.content.decode()
    out = {}
    for item in re.findall(r'<div class="app-trends__item".*?</div>', page, flags=re.S):
        label = re.search(r"<h3[^>]*>([^<]*)", item)
        top = re.search(r"scale 0 to (\d+)", item)
        line = re.search(r'<polyline class="app-trend__line" points="([^"]*)"', item)
        assert label
        assert top
        assert line
        values = [
            round((72 - float(point.split(",")[1])) / 72 * int(top[1])) for point in line[1].split()
        ]
        out[label[1].strip()] = (values, "app-trend--flag" in item)
    return out


@pytest.mark.usefixtures("frozen")
def test_each_chart_draws_its_tables_figures(fx: Fixture, tso: Client) -> None:
    _seeded(fx)
    response = _get(tso)
    t = tables_of(response)
    bars = _bars(response)
    assert bars == [("Alpha School", "5", False), ("Gamma School", "1", False)]
    assert [(label, value) for label, value, _ in bars] == [
        (row[0], row[1]) for row in t["schools"].texts()
    ]
    trends = _trends(response)
    weekly = t["weekly"]
    assert list(trends) == weekly.headings[1:]
    for n, label in enumerate(weekly.headings[1:], start=1):
        assert trends[label][0] == [int(v) for v in weekly.column(n)], label
        assert not trends[label][1]
    assert sum(trends["Bullying"][0]) == 5


# --- Sorting and filtering ----------------------------------------------------------------------


@pytest.mark.usefixtures("frozen")
def test_sorting_changes_the_order_on_the_page_and_in_the_csv(fx: Fixture, tso: Client) -> None:
    _seeded(fx)
    gamma_staff = member(fx.gamma, "staff")
    bulk_concerns(
        fx.gamma,
        gamma_staff,
        PupilFactory(school=fx.gamma),
        fx.cats["Bullying"],
        datetime.date(2026, 10, 14),
        6,
    )  # Gamma now has 7 concerns this term, Alpha 5

    def order(query: str = "") -> list[str]:
        return tables_of(_get(tso, query))["schools"].column(0)

    assert order() == ["Alpha School", "Gamma School"]  # by name
    assert order("?sort=schools.1.desc") == ["Gamma School", "Alpha School"]
    assert order("?sort=schools.1.asc") == ["Alpha School", "Gamma School"]
    assert order("?sort=schools.0.desc") == ["Gamma School", "Alpha School"]
    assert order("?sort=schools.10.desc") == ["Gamma School", "Alpha School"]  # 10 h vs 3 h
    page = _get(tso, "?sort=schools.1.desc").content.decode()
    assert 'aria-sort="descending"' in page
    # The download is sorted as the page is; another table's sort leaves this one alone.
    assert [r[0] for r in csv_of(tso, "schools", "sort=schools.1.desc")[1:]] == [
        "Gamma School",
        "Alpha School",
        "All schools shown",
    ]
    assert order("?sort=categories.1.desc") == ["Alpha School", "Gamma School"]
    cats = tables_of(_get(tso, "?sort=categories.2.desc"))["categories"]
    assert cats.column(0) == ["Bullying", "Abuse", "Online safety"]


@pytest.mark.usefixtures("frozen")
def test_the_school_filter_narrows_the_rows(fx: Fixture, tso: Client) -> None:
    _seeded(fx)
    response = _get(tso, f"?school={fx.gamma.pk}")
    page = response.content.decode()
    t = tables_of(response)
    assert t["schools"].column(0) == ["Gamma School"]
    assert t["categories"].headings == ["Category", "Gamma School", "All schools shown"]
    assert "Showing 1 of 2 schools." in page
    assert f'value="{fx.gamma.pk}" checked' in page
    assert "Alpha School" not in t["schools"].column(0)
    assert _bars(response) == [("Gamma School", "1", False)]
    assert sum(int(v) for v in t["weekly"].column(2)) == 1  # Gamma's one bullying concern
    assert "follow-up" not in t  # Gamma has nothing overdue
    # The CSV keeps the filter.
    assert [r[0] for r in csv_of(tso, "schools", f"school={fx.gamma.pk}")[1:]] == [
        "Gamma School",
        "All schools shown",
    ]


@pytest.mark.usefixtures("frozen")
def test_another_trusts_school_is_refused(fx: Fixture, tso: Client) -> None:
    _seeded(fx)
    beta = fx.world.other_school
    response = _get(tso, f"?school={beta.pk}&start=1/10/2026")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert '<a href="#id_school">Choose schools from the list</a>' in page
    assert 'id="id_school-error"' in page
    assert "Beta School" not in page
    assert 'value="1/10/2026"' in page  # what was typed stays
    # The page shows the unfiltered default: every school, this term.
    assert tables_of(response)["schools"].column(0) == ["Alpha School", "Gamma School"]
    assert "Autumn term 2026, compared with the summer term 2026." in page
    assert "Beta School" not in "".join(r[0] for r in csv_of(tso, "schools", f"school={beta.pk}"))


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize(
    ("query", "message", "field_id"),
    [
        ("?start=banana", "Enter the first day like 1/9/2026", "id_start"),
        ("?start=2/10/2026&end=1/10/2026", "The last day must be the same as or after", "id_end"),
        ("?start=1/12/2026", "The first day must be today or in the past", "id_start"),
    ],
)
def test_bad_dates_are_explained_next_to_the_field(
    fx: Fixture, tso: Client, query: str, message: str, field_id: str
) -> None:
    response = _get(tso, query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: Trust dashboard" in page
    assert f'<a href="#{field_id}">{message}' in page
    assert f'id="{field_id}-error"' in page
    assert "govuk-input--error" in page
    typed = escape(parse_qs(query[1:])["start"][0])
    assert f'value="{typed}"' in page
    assert "Autumn term 2026, compared with the summer term 2026." in page


@pytest.mark.usefixtures("frozen")
def test_a_date_range_and_a_school_whose_triage_slips(fx: Fixture, tso: Client) -> None:
    _seeded(fx)
    response = _get(tso, "?start=1/10/2026&end=30/11/2026")
    page = response.content.decode()
    assert "1 October to 30 November 2026, compared with 1 August to 30 September 2026." in page
    # The weekly trend ends with the week of the period's end, or of today (20 November) if sooner.
    assert "The 12 months to the week of 16 November 2026." in page
    t = tables_of(response)
    assert t["schools"].headings[1:3] == [
        "Concerns in these dates",
        "Concerns, as many days before",
    ]
    alpha = t["schools"].rows[0]
    assert [c.text for c in alpha[:3]] == ["Alpha School", "4", "1"]
    dates = {"start": datetime.date(2026, 10, 1), "end": datetime.date(2026, 11, 30)}
    assert alpha[1].href == _drill(fx.world.school.pk, **dates)
    # Opened after 3 h and 5 h (median 4 h) against 1 h before: a quarter and an hour longer, slipping.
    assert (alpha[10].text, alpha[10].flag) == ("4 hours", "Slipping")
    follow = t["follow-up"].rows[0]
    assert [(c.text, c.flag) for c in follow[:3]] == [
        ("Alpha School", ""),
        ("4 hours", "Slipping"),
        ("1 hour", ""),
    ]
    assert follow[1].href == _drill(fx.world.school.pk, **dates)


# --- Needs attention ----------------------------------------------------------------------------


def _spike(fx: Fixture, *, alpha_now: int) -> None:
    """Alpha's online-safety concerns: 2 or 3 in each of the six 28-day windows before the last
    28 days, then `alpha_now`; Gamma's bullying a steady 3 a window."""
    w = fx.world
    gamma_pupil, gamma_staff = PupilFactory(school=fx.gamma), member(fx.gamma, "staff")
    online, bullying = fx.cats["Online safety"], fx.cats["Bullying"]
    for n in range(1, 7):
        middle = TODAY - datetime.timedelta(days=28 * n + 14)
        bulk_concerns(w.school, w.users["staff"], w.pupil, online, middle, 2 + n % 2)
        bulk_concerns(fx.gamma, gamma_staff, gamma_pupil, bullying, middle, 3)
    bulk_concerns(
        w.school, w.users["staff"], w.pupil, online, TODAY - datetime.timedelta(days=3), alpha_now
    )
    bulk_concerns(fx.gamma, gamma_staff, gamma_pupil, bullying, TODAY, 3)


@pytest.mark.usefixtures("frozen")
def test_a_spike_is_in_needs_attention_with_a_link_to_act(fx: Fixture, tso: Client) -> None:
    _spike(fx, alpha_now=10)
    response = _get(tso)
    page = response.content.decode()
    t = tables_of(response)
    a, online = fx.world.school.pk, fx.cats["Online safety"].pk
    window = {"start": WINDOW.start, "end": WINDOW.end}
    assert (
        "Flagged when the last 28 days are more than two standard deviations and at least 3 "
        "concerns above the average of the six 28-day periods before."
    ) in page
    assert "The last 28 days are 24 October to 20 November 2026." in page
    outliers = t["outliers"]
    # Alpha: 10 now against 2.5 (2, 3, 2, 3, 2, 3): the school, the category across schools
    # (Gamma's bullying is not online safety) and the category at Alpha.
    assert sorted(outliers.texts()) == [
        ["Alpha School", "A school, all its concerns", "10", "2.5", "7.5"],
        ["Online safety", "A category, all the schools shown", "10", "2.5", "7.5"],
        ["Online safety at Alpha School", "A category at one school", "10", "2.5", "7.5"],
    ]
    links = {row[0].text: row[0].href for row in outliers.rows}
    assert links == {
        "Alpha School": _drill(a, **window),
        "Online safety": reverse("trust-dashboard")
        + "?start=2026-10-24&end=2026-11-20#table-categories",
        "Online safety at Alpha School": _drill(a, category_id=online, **window),
    }
    link = links["Online safety at Alpha School"]
    assert f'href="{escape(link)}"' in page
    match = resolve(urlsplit(link).path)
    assert (match.url_name, match.kwargs) == ("trust-drilldown", {"school_id": a})
    assert parse_qs(urlsplit(link).query) == {
        "show": ["concerns"],
        "category": [str(online)],
        "start": ["2026-10-24"],
        "end": ["2026-11-20"],
    }
    assert _count_behind(tso, link) == "10"
    assert _count_behind(tso, links["Alpha School"]) == "10"
    assert 'id="table-categories"' in page  # where the category's link lands
    # ... with the same 28 days, so the category's row there adds up to the flagged count.
    same_days = tables_of(tso.get(links["Online safety"]))["categories"]
    online_row = next(r for r in same_days.rows if r[0].text == "Online safety")
    assert online_row[-1].text == "10"
    # Figures for other dates carry no flags: nobody measured October against its usual.
    october = tables_of(_get(tso, "?start=1/10/2026&end=31/10/2026"))
    assert not any(c.flag for row in october["categories"].rows for c in row)
    assert not any(c.flag for row in october["schools"].rows for c in row)
    # The flags elsewhere on the page.
    schools = {row[0].text: row[0].flag for row in t["schools"].rows}
    assert schools == {"Alpha School": "Above usual", "Gamma School": ""}
    cats = {row[0].text: row for row in t["categories"].rows}
    assert cats["Online safety"][0].flag == "Above usual"
    assert [c.flag for c in cats["Online safety"][1:3]] == ["Above usual", ""]
    assert not any(c.flag for c in cats["Bullying"])
    # The bars count the term: Alpha 3 (9 Oct) + 2 (11 Sep) + 10; Gamma 3 + 3 + 3.
    assert _bars(response) == [("Alpha School", "15", True), ("Gamma School", "9", False)]
    trends = _trends(response)
    assert trends["Online safety"][1]
    assert not trends["Bullying"][1]
    # Filtered to Alpha alone, its flagged category is still drawn red.
    alone = _trends(_get(tso, f"?school={a}"))
    assert alone["Online safety"][1]
    assert not alone["Bullying"][1]
    assert csv_of(tso, "outliers")[1:] == [
        ["Alpha School", "A school, all its concerns", "10", "2.5", "7.5"],
        ["Online safety", "A category, all the schools shown", "10", "2.5", "7.5"],
        ["Online safety at Alpha School", "A category at one school", "10", "2.5", "7.5"],
    ]


@pytest.mark.usefixtures("frozen")
def test_steady_figures_need_no_attention(fx: Fixture, tso: Client) -> None:
    _spike(fx, alpha_now=3)  # Alpha back to 3: nothing unusual
    # Every concern opened an hour after it was written: nothing waiting, triage as before.
    Concern.objects.update(opened_at=F("written_at") + datetime.timedelta(hours=1))
    response = _get(tso)
    page = response.content.decode()
    assert 'data-testid="nothing-needs-attention"' in page
    assert "Nothing needs attention" in page
    t = tables_of(response)
    assert "outliers" not in t
    assert "follow-up" not in t
    assert not any(c.flag for row in t["schools"].rows for c in row)
    assert csv_of(tso, "outliers")[1:] == []


# --- Who sees it --------------------------------------------------------------------------------


@pytest.mark.usefixtures("frozen")
@pytest.mark.parametrize(
    "role", ["staff", "dsl", "deputy", "head", "admin", "governor", "other_dsl"]
)
def test_only_a_tso_sees_the_trust_dashboard(fx: Fixture, client: Client, role: str) -> None:
    _seeded(fx)
    client.force_login(fx.world.users[role])
    for query in ["", "?csv=schools"]:
        response = _get(client, query)
        assert response.status_code == 403
        assert b"Gamma School" not in response.content


@pytest.mark.usefixtures("frozen")
def test_a_tso_of_another_trust_sees_only_their_own(fx: Fixture, client: Client) -> None:
    _seeded(fx)
    other = trust_member(fx.world.other_school.trust, "tso", email="tso@elsewhere.example")
    client.force_login(other)
    response = _get(client)
    page = response.content.decode()
    assert response.status_code == 200
    assert ">Elsewhere</h1>" in page
    assert tables_of(response)["schools"].column(0) == ["Beta School"]
    for name in ["Alpha School", "Gamma School", "Northgate"]:
        assert escape(name) not in page
    # Asking for this trust's school by its id is refused, and names nothing.
    response = _get(client, f"?school={fx.gamma.pk}")
    assert "Choose schools from the list" in response.content.decode()
    assert b"Gamma School" not in response.content
    assert all(
        "Gamma" not in ",".join(r) for r in csv_of(client, "schools", f"school={fx.gamma.pk}")
    )


@pytest.mark.usefixtures("frozen")
def test_a_tso_of_two_trusts_sees_the_acting_schools_trust(fx: Fixture, client: Client) -> None:
    _seeded(fx)
    tso = fx.world.users["tso"]
    school_services.trust_membership_grant(user=tso, trust=fx.world.other_school.trust, role="tso")
    client.force_login(tso)
    session = client.session
    session[ACTING_SCHOOL] = fx.world.other_school.pk
    session.save()
    assert tables_of(_get(client))["schools"].column(0) == ["Beta School"]
    session = client.session
    session[ACTING_SCHOOL] = fx.gamma.pk
    session.save()
    assert tables_of(_get(client))["schools"].column(0) == ["Alpha School", "Gamma School"]


def test_anyone_signed_out_is_sent_to_sign_in(db: None, client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302


# --- Query counts: constant in schools and concerns ------------------------------------------


def _count(client: Client, query: str = "") -> int:
    """The page's queries with nothing kept (a school with no concerns has its times to open
    kept at once: ADR 0036)."""
    from django.core.cache import caches

    caches["figures"].clear()
    with CaptureQueriesContext(connection) as ctx:
        response = _get(client, query)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.usefixtures("frozen")
def test_query_counts_are_pinned_and_constant(fx: Fixture, tso: Client) -> None:
    trust = fx.world.school.trust
    few = (_count(tso), _count(tso, "?csv=schools"))
    _seeded(fx)
    assert (
        (_count(tso), _count(tso, "?csv=schools")) == few == (TRUST_PAGE_QUERIES, TRUST_CSV_QUERIES)
    )
    for n in range(4):  # six schools, each with concerns
        extra = SchoolFactory(trust=trust, name=f"Extra {n}", slug=f"extra-{uuid.uuid4()}")
        bulk_concerns(
            extra, member(extra, "staff"), PupilFactory(school=extra), fx.cats["Bullying"], TODAY, 4
        )
    _spike(fx, alpha_now=10)  # many more concerns, and outliers
    assert len(tables_of(_get(tso))["schools"].rows) == 6
    assert (_count(tso), _count(tso, "?csv=schools")) == (TRUST_PAGE_QUERIES, TRUST_CSV_QUERIES)
    assert _count(tso, f"?school={fx.gamma.pk}&sort=schools.1.desc") == TRUST_PAGE_QUERIES
