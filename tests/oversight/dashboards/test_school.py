"""The school dashboard page (issue 8) against the hand-worked fixture of tests/support/figures.py.

"Now" is Friday 20 November 2026 at noon, London (time_machine), so this term is autumn 2026 and
the term before is summer 2026. The figures worked out by hand (see test_figures.py):
concerns 5 this term and 3 last; by category Abuse 3/1, Bullying 2/1, Online safety 1/1; by year
group Year 6 0/2, Year 7 4/1, Year 8 2/0; 2 open CP files; referrals 3 open, 1 overdue, 1 written
follow-up outstanding; actions 2 open, 1 overdue; reviews 2 due, 1 in the next 14 days; 3 not yet
opened (1 under an hour, 1 from 1 to 3 days, 1 more than 3 days), the oldest written 15 June 2026
at 10:00 (British Summer Time), so waiting 158 days 3 hours; time to open 3 h median and 4 h 36 min
90th percentile this term (1, 3 and 5 hours), 3 h and 3 h 48 min last term (2 and 4 hours).
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape
from lxml import html as lxml_html

from concerns.models import Category
from schools.models import Pupil, User
from tests.support.dashboard_queries import SCHOOL_CSV_QUERIES, SCHOOL_PAGE_QUERIES
from tests.support.factories import PupilFactory
from tests.support.figures import (
    NOW,
    Fixture,
    add_concern,
    make_fixture,
    seed_school_a,
)
from tests.support.world import World

H = datetime.timedelta(hours=1)
URL = "/dashboard/"


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def fx(world: World, frozen: None) -> Fixture:
    return make_fixture(world)


@pytest.fixture
def seeded(fx: Fixture) -> Fixture:
    seed_school_a(fx)
    return fx


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(user: User, **params: str) -> Any:
    return _client(user).get(URL, params)


def _doc(response: Any) -> Any:
    assert response.status_code == 200
    return lxml_html.fromstring(response.content.decode())


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def _rows(doc: Any, key: str) -> list[list[str]]:
    """A table's body rows as the page shows them (header cell first)."""
    table = doc.xpath(f'//*[@data-table="{key}"]//table')
    assert table, f"no table {key!r}"
    return [[_text(cell) for cell in row.xpath("th|td")] for row in table[0].xpath("tbody/tr")]


def _headings(doc: Any, key: str) -> list[str]:
    return [_text(th) for th in doc.xpath(f'//*[@data-table="{key}"]//thead//th')]


def _tile(doc: Any, key: str) -> str:
    (tile,) = doc.xpath(f'//*[@data-tile="{key}"]')
    return _text(tile)


def _csv(user: User, key: str, **params: str) -> list[list[str]]:
    response = _client(user).get(URL, {"csv": key, **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


# --- The figures on the page ------------------------------------------------------------------


def test_the_tiles_show_the_hand_counted_figures(seeded: Fixture) -> None:
    doc = _doc(_get(seeded.world.users["dsl"]))
    assert _text(doc.xpath('//*[@data-testid="dashboard-period"]')[0]).startswith(
        "Concerns in the autumn term 2026 compared with the summer term 2026, and the figures"
    )
    assert _tile(doc, "concerns") == "5 concerns in the autumn term 2026 3 in the summer term 2026"
    assert _text(doc.xpath('//*[@data-testid="so-far"]')[0]).startswith(
        "Counted to today, 20 November 2026"
    )
    assert _tile(doc, "untriaged") == (
        "3 not yet opened by a DSL the oldest waiting 158 days 3 hours"
    )
    assert _tile(doc, "time-to-open") == (
        "3 hours median time from submission to a DSL opening it "
        "90th percentile: 4 hours 36 minutes "
        "Summer term 2026: median 3 hours, 90th percentile 3 hours 48 minutes"
    )
    assert _tile(doc, "cp-files") == "2 open child-protection files"
    assert _tile(doc, "referrals") == ("3 referrals open 1 overdue 1 written follow-up outstanding")
    assert _tile(doc, "actions") == "2 actions open 1 overdue"
    assert _tile(doc, "reviews") == "2 reviews due 1 due in the next 14 days"
    assert not doc.xpath('//*[@data-testid="slipping"]')  # 3 h against 3 h


def test_the_tables_show_the_hand_counted_figures(seeded: Fixture) -> None:
    doc = _doc(_get(seeded.world.users["dsl"]))
    assert _headings(doc, "figures") == [
        "Figure: sort",
        "Autumn term 2026: sort",
        "Summer term 2026: sort",
    ]
    assert _rows(doc, "figures") == [
        ["Concerns written", "5", "3"],
        ["Concerns opened by a DSL", "3", "2"],
        [
            "Not yet opened by a DSL (now)",
            "3: Autumn term 2026, Not yet opened by a DSL (now)",
            "–",
        ],
        ["Open child-protection files (now)", "2", "–"],
        ["Referrals open (now)", "3: Autumn term 2026, Referrals open (now)", "–"],
        ["Referrals overdue (now)", "1: Autumn term 2026, Referrals overdue (now)", "–"],
        [
            "Written follow-ups outstanding (now)",
            "1: Autumn term 2026, Written follow-ups outstanding (now)",
            "–",
        ],
        ["Actions open (now)", "2", "–"],
        ["Actions overdue (now)", "1", "–"],
        ["Reviews due (now)", "2", "–"],
        ["Reviews due in the next 14 days (now)", "1", "–"],
    ]
    assert _rows(doc, "time-to-open") == [
        ["Median", "3 hours", "3 hours"],
        ["90th percentile", "4 hours 36 minutes", "3 hours 48 minutes"],
        ["Oldest not yet opened, waiting (now)", "158 days 3 hours", "–"],
    ]
    assert _rows(doc, "categories") == [
        ["Abuse", "3", "1"],
        ["Bullying", "2", "1"],
        ["Online safety", "1", "1"],
    ]
    assert _rows(doc, "year-groups") == [
        ["Year 6", "0", "2"],
        ["Year 7", "4", "1"],
        ["Year 8", "2", "0"],
    ]
    assert _rows(doc, "untriaged-ages") == [
        ["Under 1 hour", "1"],
        ["1 hour to 1 day", "0"],
        ["1 to 3 days", "1"],
        ["More than 3 days", "1"],
    ]
    foot = doc.xpath('//*[@data-table="untriaged-ages"]//tfoot/tr')[0]
    assert [_text(c) for c in foot.xpath("th|td")] == ["All", "3"]


def _chart(doc: Any, key: str) -> tuple[list[tuple[str, int]], str]:
    """A chart's bars (label and figure, top to bottom) and its description."""
    (figure,) = doc.xpath(f'//*[@data-testid="chart-{key}"]/figure/svg')
    labels = [_text(t) for t in figure.xpath('.//text[@class="app-chart__label"]')]
    values = [
        int(_text(t).replace(",", "")) for t in figure.xpath('.//text[@class="app-chart__value"]')
    ]
    assert len(labels) == len(values)
    return list(zip(labels, values, strict=True)), _text(figure.xpath(".//desc")[0])


def test_every_chart_series_equals_its_table(seeded: Fixture) -> None:
    doc = _doc(_get(seeded.world.users["dsl"]))
    for key in ["categories", "year-groups"]:
        bars, description = _chart(doc, key)
        rows = _rows(doc, key)
        assert bars == [(r[0], int(r[1])) for r in rows]
        # The period before is drawn as a thin bar; its figures are in the description.
        assert description == "; ".join(
            f"{r[0]}: {r[1]} ({r[2]} in the summer term 2026)" for r in rows
        )
    bars, _ = _chart(doc, "untriaged-ages")
    assert bars == [(r[0], int(r[1])) for r in _rows(doc, "untriaged-ages")]
    assert bars == [
        ("Under 1 hour", 1),
        ("1 hour to 1 day", 0),
        ("1 to 3 days", 1),
        ("More than 3 days", 1),
    ]
    # Previous-period bars are drawn for the two comparisons.
    assert (
        len(
            doc.xpath(
                '//*[@data-testid="chart-categories"]//rect[contains(@class, "app-chart__bar--previous")]'
            )
        )
        == 3
    )


def test_every_table_downloads_as_csv_with_the_same_figures(seeded: Fixture) -> None:
    dsl = seeded.world.users["dsl"]
    terms = ["Autumn term 2026", "Summer term 2026"]
    assert _csv(dsl, "figures") == [
        ["Figure", *terms],
        ["Concerns written", "5", "3"],
        ["Concerns opened by a DSL", "3", "2"],
        ["Not yet opened by a DSL (now)", "3", ""],
        ["Open child-protection files (now)", "2", ""],
        ["Referrals open (now)", "3", ""],
        ["Referrals overdue (now)", "1", ""],
        ["Written follow-ups outstanding (now)", "1", ""],
        ["Actions open (now)", "2", ""],
        ["Actions overdue (now)", "1", ""],
        ["Reviews due (now)", "2", ""],
        ["Reviews due in the next 14 days (now)", "1", ""],
    ]
    assert _csv(dsl, "time-to-open") == [  # hours, to one decimal place
        ["Measure", *(f"{t} (hours)" for t in terms)],
        ["Median", "3.0", "3.0"],
        ["90th percentile", "4.6", "3.8"],
        ["Oldest not yet opened, waiting (now)", str(158 * 24 + 3) + ".0", ""],
    ]
    assert _csv(dsl, "categories") == [
        ["Category", *terms],
        ["Abuse", "3", "1"],
        ["Bullying", "2", "1"],
        ["Online safety", "1", "1"],
    ]
    assert _csv(dsl, "year-groups") == [
        ["Year group", *terms],
        ["Year 6", "0", "2"],
        ["Year 7", "4", "1"],
        ["Year 8", "2", "0"],
    ]
    assert _csv(dsl, "untriaged-ages") == [
        ["Waiting", "Concerns"],
        ["Under 1 hour", "1"],
        ["1 hour to 1 day", "0"],
        ["1 to 3 days", "1"],
        ["More than 3 days", "1"],
        ["All", "3"],
    ]
    response = _client(dsl).get(URL, {"csv": "categories"})
    assert response["Content-Disposition"] == (
        'attachment; filename="alpha-dashboard-2026-09-01-to-2026-12-31-categories.csv"'
    )


def test_every_table_on_the_page_has_a_csv_link_and_sort_links(seeded: Fixture) -> None:
    doc = _doc(_get(seeded.world.users["dsl"]))
    keys = [el.get("data-table") for el in doc.xpath("//*[@data-table]")]
    assert keys == [
        "figures",
        "time-to-open",
        "categories",
        "year-groups",
        "untriaged-ages",
        "pupils",  # issue 14: by pupil characteristic
    ]
    for key in keys:
        (link,) = doc.xpath(f'//*[@data-testid="csv-{key}"]')
        assert link.get("href") == f"?csv={key}"
        assert doc.xpath(f'//*[@data-table="{key}"]//a[contains(@class, "app-sort-link")]')


def test_a_table_sorts_on_the_page_and_in_its_csv(seeded: Fixture) -> None:
    dsl = seeded.world.users["dsl"]
    doc = _doc(_get(dsl, sort="categories.1.asc"))
    assert [r[0] for r in _rows(doc, "categories")] == ["Online safety", "Bullying", "Abuse"]
    header = doc.xpath('//*[@data-table="categories"]//thead//th')[1]
    assert header.get("aria-sort") == "ascending"
    # The other tables keep their order.
    assert [r[0] for r in _rows(doc, "year-groups")] == ["Year 6", "Year 7", "Year 8"]
    rows = _csv(dsl, "categories", sort="categories.1.asc")
    assert [r[0] for r in rows[1:]] == ["Online safety", "Bullying", "Abuse"]
    doc = _doc(_get(dsl, sort="year-groups.1.desc"))
    assert [r[0] for r in _rows(doc, "year-groups")] == ["Year 7", "Year 8", "Year 6"]


def test_chosen_dates_are_compared_with_as_many_days_before(seeded: Fixture) -> None:
    doc = _doc(_get(seeded.world.users["dsl"], start="1/10/2026", end="30/11/2026"))
    assert _rows(doc, "figures")[0] == ["Concerns written", "4", "1"]  # 5 Oct, 2, 18, 20 Nov
    assert doc.xpath('//*[@data-testid="so-far"]')  # to 30 November: not over on 20 November
    october = _doc(_get(seeded.world.users["dsl"], start="1/10/2026", end="31/10/2026"))
    assert not october.xpath('//*[@data-testid="so-far"]')  # over: counted in full
    assert _headings(doc, "categories")[1:] == [
        "1 October to 30 November 2026: sort",
        "1 August to 30 September 2026: sort",
    ]
    # Median 4 hours (3 h and 5 h) against 1 hour: slipping, said in words.
    assert _rows(doc, "time-to-open")[0] == ["Median", "4 hours Slipping", "1 hour"]
    assert _text(doc.xpath('//*[@data-testid="slipping"]')[0]) == (
        "Slipping The median time to open a concern is 4 hours, up from 1 hour in the 61 days "
        "from 1 August to 30 September 2026"
    )
    assert _tile(doc, "concerns") == (
        "4 concerns from 1 October to 30 November 2026 "
        "1 in the 61 days from 1 August to 30 September 2026"
    )
    rows = _csv(seeded.world.users["dsl"], "time-to-open", start="1/10/2026", end="30/11/2026")
    assert rows[0][-1] == "Flags"
    assert rows[1] == ["Median", "4.0", "1.0", "1 October to 30 November 2026: Slipping"]
    # The dates typed stay in the form.
    assert doc.xpath('//*[@id="id_start"]')[0].get("value") == "1/10/2026"


# --- Who sees what ------------------------------------------------------------------------------


def _rename_everyone(fx: Fixture) -> tuple[list[str], list[str]]:
    """Give every pupil and person names that appear nowhere else, so a search is exact."""
    pupil_names = []
    for n, pupil in enumerate(Pupil.objects.order_by("pk")):
        first, last = f"Quenby{chr(65 + n)}ria", f"O'Vandersloot{chr(65 + n)}"
        pupil.legal_first_name, pupil.legal_last_name = first, last
        pupil.preferred_first_name = f"Zizi{chr(65 + n)}belle"
        pupil.preferred_last_name = f"Marchbanks{chr(65 + n)}"
        pupil.save()
        pupil_names += [first, last, pupil.preferred_first_name, pupil.preferred_last_name]
    staff_names = []
    for n, user in enumerate(User.objects.order_by("pk")):
        user.full_name = f"Thaddeus{chr(65 + n)} Pemberton-Ssmyth"
        user.save()
        if user != fx.world.users["governor"]:  # the governor's own name is in the header
            staff_names.append(user.full_name)
    return pupil_names, staff_names


RECORD_PATHS = ("/concerns/", "/triage/", "/referrals/", "/pupils/", "/missing", "/actions/")


def test_the_governor_sees_figures_and_no_names_or_links_to_records(seeded: Fixture) -> None:
    pupil_names, staff_names = _rename_everyone(seeded)
    governor = User.objects.get(pk=seeded.world.users["governor"].pk)
    response = _get(governor)
    page = response.content.decode()
    for name in pupil_names + staff_names:
        assert escape(name) not in page
        assert name not in page
    doc = _doc(response)
    assert _tile(doc, "concerns").startswith("5 concerns")  # the same figures
    assert "never a child's name" in _text(doc.xpath('//*[@data-testid="aggregates-only"]')[0])
    hrefs = [a.get("href") for a in doc.xpath("//a[@href]")]
    assert not [h for h in hrefs if h.startswith(RECORD_PATHS)]
    assert not [h for h in hrefs if "/trust/" in h]
    # Not even the figures in the tables link anywhere.
    assert not doc.xpath("//*[@data-table]//td//a | //*[@data-tile]//a")
    assert not doc.xpath('//*[@data-testid="restricted-note"]')  # no lists to explain


def test_the_dsl_sees_no_names_either_but_figures_link_to_the_lists(seeded: Fixture) -> None:
    pupil_names, _ = _rename_everyone(seeded)
    dsl = User.objects.get(pk=seeded.world.users["dsl"].pk)
    response = _get(dsl)
    page = response.content.decode()
    for name in pupil_names:
        assert escape(name) not in page
    doc = _doc(response)
    hrefs = {a.get("href") for a in doc.xpath("//main//a[@href]")}
    assert "/triage/?status=new" in hrefs
    assert {
        "/referrals/?state=open",
        "/referrals/?state=overdue",
        "/referrals/?state=follow_up",
    } <= (hrefs)
    assert not doc.xpath('//*[@data-testid="aggregates-only"]')
    assert not doc.xpath('//*[@data-testid="trust-dashboard-link"]')
    # The untriaged tile counts a restricted concern the deputy's inbox will not list: said so.
    assert "restricted" in _text(doc.xpath('//*[@data-testid="restricted-note"]')[0])


@pytest.mark.parametrize("role", ["dsl", "deputy", "head", "governor", "tso"])
def test_who_may_see_the_dashboard(seeded: Fixture, role: str) -> None:
    doc = _doc(_get(seeded.world.users[role]))
    assert _rows(doc, "figures")[0] == ["Concerns written", "5", "3"]


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_administrators_are_refused(fx: Fixture, role: str) -> None:
    assert _get(fx.world.users[role]).status_code == 403


def test_signing_in_comes_first(fx: Fixture) -> None:
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_tso_acting_in_a_school_is_offered_the_trust_dashboard(seeded: Fixture) -> None:
    doc = _doc(_get(seeded.world.users["tso"]))
    assert doc.xpath("//h1")[0].getprevious().text_content() == "Alpha School"
    (link,) = doc.xpath('//*[@data-testid="trust-dashboard-link"]/a')
    assert link.get("href") == reverse("trust-dashboard")


def test_another_schools_dsl_sees_only_their_own_school(seeded: Fixture) -> None:
    """School B's DSL: school B's one concern, whatever the request names."""
    w = seeded.world
    doc = _doc(_get(w.users["other_dsl"], school=str(w.school.pk), school_id=str(w.school.pk)))
    page = _text(doc)
    assert doc.xpath("//h1")[0].getprevious().text_content() == "Beta School"
    assert "Alpha School" not in page
    assert _rows(doc, "figures")[0] == ["Concerns written", "1", "0"]
    assert _rows(doc, "categories") == [["Bullying", "1", "0"]]  # school B's trust's list
    assert "Online safety" not in page
    rows = _csv(w.users["other_dsl"], "figures", school=str(w.school.pk))
    assert rows[1] == ["Concerns written", "1", "0"]


# --- The dates form -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        (
            "2/10/2026",
            "1/10/2026",
            "end",
            "The last day must be the same as or after the first day",
        ),
        ("31/2/2026", "", "start", "Enter the first day like 1/9/2026"),
        ("1/12/2026", "", "start", "The first day must be today or in the past"),
        ("", "soon", "end", "Enter the last day like 20/11/2026"),
    ],
)
def test_bad_dates_are_explained_and_kept_and_this_term_is_shown(
    seeded: Fixture, start: str, end: str, field: str, message: str
) -> None:
    doc = _doc(_get(seeded.world.users["dsl"], start=start, end=end))
    assert doc.xpath("//title")[0].text_content().startswith("Error: Dashboard")
    summary = doc.xpath(
        '//*[contains(@class, "govuk-error-summary ") or @class="govuk-error-summary"]'
    )[0]
    (link,) = summary.xpath(".//a")
    assert (_text(link), link.get("href")) == (message, f"#id_{field}")
    error = doc.xpath(f'//*[@id="id_{field}-error"]')[0]
    assert _text(error) == f"Error: {message}"
    assert "govuk-input--error" in doc.xpath(f'//*[@id="id_{field}"]')[0].get("class")
    assert doc.xpath('//*[@id="id_start"]')[0].get("value", "") == start
    assert doc.xpath('//*[@id="id_end"]')[0].get("value", "") == end
    # The page still shows this term's figures.
    assert _headings(doc, "categories")[1] == "Autumn term 2026: sort"
    assert _rows(doc, "figures")[0] == ["Concerns written", "5", "3"]


# --- Navigation and the home page ----------------------------------------------------------------


def _nav(user: User, path: str = "/") -> dict[str, Any]:
    doc = _doc(_client(user).get(path))
    return {
        _text(a): a for a in doc.xpath('//a[contains(@class, "govuk-service-navigation__link")]')
    }


@pytest.mark.parametrize(
    ("role", "href"),
    [
        ("dsl", "/dashboard/"),
        ("deputy", "/dashboard/"),
        ("head", "/dashboard/"),
        ("governor", "/dashboard/"),
        ("tso", "/trust/dashboard/"),
        ("staff", None),
        ("admin", None),
    ],
)
def test_the_menu_has_the_dashboard_for_those_who_may_see_one(
    fx: Fixture, role: str, href: str | None
) -> None:
    links = _nav(fx.world.users[role])
    assert (links["Dashboard"].get("href") if "Dashboard" in links else None) == href
    assert ("Categories" in links) == (role == "tso")
    home = _doc(_client(fx.world.users[role]).get("/"))
    assert bool(home.xpath('//*[@data-testid="home-dashboard"]')) == (href is not None)


def test_the_dashboard_is_the_current_menu_item_on_its_page(fx: Fixture) -> None:
    links = _nav(fx.world.users["dsl"], URL)
    assert links["Dashboard"].get("aria-current") == "page"
    assert "govuk-service-navigation__item--active" in links["Dashboard"].getparent().get("class")
    assert links["Home"].get("aria-current") is None
    categories = _nav(fx.world.users["tso"], reverse("category-list"))["Categories"]
    assert categories.get("aria-current") == "page"


# --- Query counts ------------------------------------------------------------------------------


def _count(client: Client, **params: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _concerns(fx: Fixture, n: int) -> None:
    """`n` concerns of school A across categories, year groups, periods and triage states."""
    w, cats = fx.world, list(fx.cats.values())
    pupils: list[Any] = [w.pupil, *(PupilFactory(school=w.school) for _ in range(3))]
    start = datetime.datetime(2026, 4, 2, 10, tzinfo=NOW.tzinfo)
    for i in range(n):
        written = start + datetime.timedelta(days=(i * 7) % 230, hours=i % 5)
        add_concern(
            w.school,
            w.users["staff"],
            written,
            [
                (pupils[i % 4], f"Year {7 + i % 3}", [cats[i % 4]]),
                (pupils[(i + 1) % 4], f"Year {8 + i % 2}", [cats[(i + 2) % 4]]),
            ],
            opened_after=None if i % 3 == 0 else (i % 4 + 1) * H,
        )


def test_query_counts_are_pinned_and_constant_in_the_number_of_concerns(fx: Fixture) -> None:
    client = _client(fx.world.users["dsl"])
    client.get(URL)  # content types and the like, cached once per process
    _concerns(fx, 2)
    few = (_count(client), _count(client, csv="categories"))
    _concerns(fx, 28)
    Category.objects.create(trust=fx.world.school.trust, name="Neglect", position=4)
    many = (_count(client), _count(client, csv="categories"))
    assert few == many == (SCHOOL_PAGE_QUERIES, SCHOOL_CSV_QUERIES)
