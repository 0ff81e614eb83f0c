"""The drill-down from a dashboard figure to the records behind it (issue 8): each list holds
exactly what its figure counts (on the hand-worked fixture of test_figures), only the trust's
TSO may read it, and every view and download is in the pupils' access logs."""

from __future__ import annotations

import csv
import datetime
import html
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from audit.models import AccessLog
from concerns.models import Category, Concern
from oversight.dashboards.drilldown.links import Show, drilldown_url
from oversight.dashboards.figures import school_figures, trust_figures
from oversight.models import QaReview
from oversight.qa import services as qa_services
from safeguard.access import forget_access
from tests.support.factories import PupilFactory, trust_member
from tests.support.figures import (
    NOW,
    Fixture,
    add_concern,
    at,
    make_fixture,
    seed_gamma,
    seed_school_a,
)
from tests.support.records.qa import FULL

pytestmark = pytest.mark.django_db

AUTUMN = (datetime.date(2026, 9, 1), datetime.date(2026, 12, 31))


@pytest.fixture
def fx(world: Any) -> Iterator[Fixture]:
    with time_machine.travel(NOW, tick=False):
        yield make_fixture(world)


def _page(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _table(page: str) -> str:
    match = re.search(
        r'<table class="govuk-table app-table--whole-words">(.*?)</table>', page, re.S
    )
    assert match, "no table on the page"
    return match[1]


def _rows(page: str) -> list[str]:
    """The data table's rows as the person reads them (the first cell of each)."""
    body = _table(page).split('<tbody class="govuk-table__body">')[1]
    hidden = r'<span class="govuk-visually-hidden">.*?</span>'
    return [
        html.unescape(re.sub(r"<[^>]+>", "", re.sub(hidden, "", cell))).strip()
        for cell in re.findall(
            r'<th scope="row" class="govuk-table__header">(.*?)</th>', body, re.S
        )
    ]


def _count(page: str) -> int:
    match = re.search(r'data-testid="drilldown-count">([\d,]+)<', page)
    assert match
    return int(match[1].replace(",", ""))


def _hidden(page: str) -> int:
    match = re.search(r'data-testid="drilldown-hidden">(\d+) of them', page)
    return int(match[1]) if match else 0


def _refs(school: Any, *moments: datetime.datetime) -> set[str]:
    return set(
        Concern.objects.filter(school=school, written_at__in=moments).values_list(
            "reference", flat=True
        )
    )


# --- Every list against its figure --------------------------------------------------------


def test_every_list_holds_exactly_what_its_figure_counts(client: Any, fx: Fixture) -> None:
    seed_school_a(fx)
    seed_gamma(fx)
    w = fx.world
    # A draft written in the term (its time set as if typed then) never counts nor shows.
    add_concern(
        w.school,
        w.users["staff"],
        at(2026, 11, 3),
        [(w.pupil, "Year 7", [fx.cats["Bullying"]])],
        status="draft",
    )
    tso = w.users["tso"]
    _, _, f = school_figures(actor=tso, school=w.school, now=NOW)
    t = trust_figures(actor=tso, trust=w.school.trust, now=NOW)
    alpha = next(s for s in t.schools if s.school_id == w.school.pk)
    assert alpha == f  # the trust dashboard's row is the school's figures
    client.force_login(tso)

    def check(figure: int, rows: int, hidden: int = 0, **params: Any) -> list[str]:
        page = _page(client, drilldown_url(school_id=w.school.pk, **params))
        assert _count(page) == figure, params
        assert _hidden(page) == hidden, params
        shown = _rows(page)
        assert len(shown) == rows == figure - hidden, params
        return shown

    # Concerns this term: the draft is not among them.
    shown = check(f.concerns, 5)
    assert set(shown) == _refs(
        w.school,
        at(2026, 9, 10),
        at(2026, 10, 5, 9),
        at(2026, 11, 2, 8),
        at(2026, 11, 20, 11, 30),
        at(2026, 11, 18, 12),
    )
    cats = {c.label: c for c in f.by_category}
    # Abuse: two concerns under its subcategory (physical abuse) and one under the heading.
    abuse = check(cats["Abuse"].count, 3, category_id=fx.cats["Abuse"].pk)
    assert set(abuse) == _refs(w.school, at(2026, 9, 10), at(2026, 10, 5, 9), at(2026, 11, 18, 12))
    # Bullying: the concern of 5 October has it on both its pupils and is listed once.
    bullying = check(cats["Bullying"].count, 2, category_id=fx.cats["Bullying"].pk)
    assert set(bullying) == _refs(w.school, at(2026, 10, 5, 9), at(2026, 11, 20, 11, 30))
    check(cats["Online safety"].count, 1, category_id=fx.cats["Online safety"].pk)
    years = {y.label: y for y in f.by_year_group}
    # Year groups as signed: pupil 1 was "Year 7" on this term's concerns whatever the roll says.
    year7 = check(years["Year 7"].count, 4, year_group="Year 7")
    assert at(2026, 11, 2, 8) not in {
        c.written_at for c in Concern.objects.filter(reference__in=year7)
    }
    check(years["Year 8"].count, 2, year_group="Year 8")
    check(0, 0, year_group="Year 6")  # Year 6 only last term
    # Last term's Year 6 concerns, with the dates given.
    check(
        years["Year 6"].previous,
        1,
        hidden=1,  # the restricted concern of 15 June
        year_group="Year 6",
        start=datetime.date(2026, 4, 1),
        end=datetime.date(2026, 8, 31),
    )
    # Untriaged: three, one of them restricted (counted, not listed to a TSO not named on it).
    untriaged = check(f.untriaged, 2, hidden=1, show=Show.UNTRIAGED)
    assert set(untriaged) == _refs(w.school, at(2026, 11, 20, 11, 30), at(2026, 11, 18, 12))
    # Their status as the DSL's inbox says it: "New" until a DSL opens them.
    body = _table(_page(client, drilldown_url(school_id=w.school.pk, show=Show.UNTRIAGED)))
    assert body.count(">New<") == 2
    assert "Received" not in body
    # Waiting more than a day: the bands "1 to 3 days" (18 November) and "more than 3 days"
    # (15 June, restricted).
    over_a_day = f.untriaged_ages["1_to_3_days"] + f.untriaged_ages["over_3_days"]
    waiting = check(over_a_day, 1, hidden=1, show=Show.UNTRIAGED_OVER_A_DAY)
    assert set(waiting) == _refs(w.school, at(2026, 11, 18, 12))
    check(f.open_cp_files, 2, show=Show.OPEN_CP_FILES)
    check(f.referrals_open, 3, show=Show.REFERRALS_OPEN)
    check(f.referrals_overdue, 1, show=Show.REFERRALS_OVERDUE)
    check(f.follow_ups_outstanding, 1, show=Show.FOLLOW_UPS)
    check(f.actions_open, 2, show=Show.ACTIONS_OPEN)
    check(f.actions_overdue, 1, show=Show.ACTIONS_OVERDUE)
    reviews = check(f.reviews_due, 2, show=Show.REVIEWS_DUE)
    assert reviews == ["Risk assessment: x", "Child Protection plan"]  # earliest review first
    # Gamma's one concern, from the trust dashboard's row for Gamma.
    gamma = next(s for s in t.schools if s.school_id == fx.gamma.pk)
    page = _page(client, drilldown_url(school_id=fx.gamma.pk))
    assert _count(page) == gamma.concerns == len(_rows(page)) == 1


def test_the_page_says_what_the_list_is_and_links_onwards(client: Any, fx: Fixture) -> None:
    seed_school_a(fx)
    w = fx.world
    client.force_login(w.users["tso"])
    url = drilldown_url(
        school_id=w.school.pk,
        category_id=fx.cats["Bullying"].pk,
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2026, 11, 20),
    )
    page = _page(client, url)
    heading = "Concerns in the category “Bullying” at Alpha School, 1 September to 20 November 2026"
    assert heading in page
    concern = Concern.objects.get(written_at=at(2026, 10, 5, 9))
    assert reverse("concern-detail", kwargs={"pk": concern.pk}) in page
    # Categories as signed (the heading's subcategory shows as itself) and both pupils by name.
    row = next(r for r in _table(page).split("<tr") if concern.reference in r)
    assert "Bullying" in row
    assert "Abuse &gt; Physical abuse" in row
    for involvement in concern.involvements.select_related("pupil"):
        assert escape(involvement.pupil.display_name) in row
    assert "3 hours" in row  # time to DSL opening
    # QA: a link to choose the concern for review, by its reference.
    choose = reverse("qa-choose") + f"?reference={concern.reference}"
    assert escape(choose) in row
    assert client.get(choose).content.decode().count(f'value="{concern.reference}"') == 1
    # Back to the dashboard with the list's dates; or as the TSO left it, when they came from it.
    back = reverse("trust-dashboard") + "?start=2026-09-01&end=2026-11-20"
    assert f'href="{escape(back)}"' in page
    left = reverse("trust-dashboard") + f"?school={w.school.pk}&sort=schools.1.desc"
    came_from = client.get(url, HTTP_REFERER=f"http://testserver{left}").content.decode()
    assert f'href="{escape(left)}"' in came_from
    elsewhere = client.get(url, HTTP_REFERER=f"http://evil.example{left}").content.decode()
    assert f'href="{escape(back)}"' in elsewhere
    # Once reviewed, the rating links to the review.
    review = qa_services.qa_review_choose(actor=w.users["tso"], reference=concern.reference)
    page = _page(client, url)
    row = next(r for r in _table(page).split("<tr") if concern.reference in r)
    assert "Review started" in row
    assert reverse("qa-review", kwargs={"pk": review.pk}) in row
    qa_services.qa_review_submit(actor=w.users["tso"], review=review, **FULL)
    row = next(r for r in _table(_page(client, url)).split("<tr") if concern.reference in r)
    assert ">Good<" in row
    assert QaReview.objects.get().rating == "good"
    # The overdue referrals' page, with no dates: as things stand.
    page = _page(client, drilldown_url(school_id=w.school.pk, show=Show.REFERRALS_OVERDUE))
    assert "Overdue referrals at Alpha School" in page
    assert "as things stand on 20 November 2026" in page


def test_sorting_and_the_csv(client: Any, fx: Fixture) -> None:
    seed_school_a(fx)
    w = fx.world
    client.force_login(w.users["tso"])
    url = drilldown_url(school_id=w.school.pk)
    newest_first = _rows(_page(client, url))
    oldest_first = _rows(_page(client, url + "&sort=records.1.asc"))
    assert oldest_first == list(reversed(newest_first))
    assert newest_first[0] == _refs(w.school, at(2026, 11, 20, 11, 30)).pop()
    before = AccessLog.objects.count()
    response = client.get(url + "&sort=records.1.asc&csv=records")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert rows[0][:2] == ["Reference", "Time of writing"]
    assert [r[0] for r in rows[1:]] == oldest_first
    # The download is logged like a view: one row per pupil in it (pupils 1, 2 and 3).
    assert AccessLog.objects.count() - before == 3


# --- The access log ------------------------------------------------------------------------


def test_each_view_is_logged_once_per_pupil_shown(client: Any, fx: Fixture) -> None:
    seed_school_a(fx)
    w = fx.world
    tso = w.users["tso"]
    client.force_login(tso)
    _page(client, drilldown_url(school_id=w.school.pk, category_id=fx.cats["Online safety"].pk))
    log = list(AccessLog.objects.filter(user=tso))
    # One concern, about one pupil (the second pupil of the fixture, not pupil 1).
    assert len(log) == 1
    concern = Concern.objects.get(written_at=at(2026, 11, 2, 8))
    assert log[0].pupil_id == concern.involvements.get().pupil_id
    assert (log[0].what, log[0].school_id, log[0].record_id) == (
        "dashboard_drilldown",
        w.school.pk,
        "",
    )
    seen = list(AccessLog.objects.values_list("pk", flat=True))
    _page(client, drilldown_url(school_id=w.school.pk))  # five concerns about three pupils
    this_term = Concern.objects.filter(school=w.school, written_at__gte=at(2026, 9, 1, 0))
    pupils = {p for p in this_term.values_list("involvements__pupil_id", flat=True)}
    assert len(pupils) == 3
    logged = list(AccessLog.objects.exclude(pk__in=seen).values_list("pupil_id", flat=True))
    assert sorted(map(str, logged)) == sorted(map(str, pupils))
    # A list showing no pupil: one row without a pupil (as access_log_write does).
    seen = list(AccessLog.objects.values_list("pk", flat=True))
    _page(client, drilldown_url(school_id=w.school.pk, year_group="Year 6"))
    assert list(AccessLog.objects.exclude(pk__in=seen).values_list("pupil_id", "what")) == [
        (None, "dashboard_drilldown")
    ]
    # The pupil's DSL sees it in the access log.
    client.force_login(w.users["dsl"])
    page = _page(client, reverse("pupil-access-log", kwargs={"pk": w.pupil.pk}))
    assert "Dashboard drilldown" in page
    assert escape(tso.full_name) in page


# --- Who may read it ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dsl", "deputy", "head", "governor", "staff", "admin"])
def test_the_schools_own_people_get_404(client: Any, fx: Fixture, role: str) -> None:
    seed_school_a(fx)
    client.force_login(fx.world.users[role])
    assert client.get(drilldown_url(school_id=fx.world.school.pk)).status_code == 404
    assert not AccessLog.objects.exists()


def test_another_trusts_school_and_tso_get_404(client: Any, fx: Fixture) -> None:
    seed_school_a(fx)
    w = fx.world
    client.force_login(w.users["tso"])
    assert client.get(drilldown_url(school_id=w.other_school.pk)).status_code == 404
    assert client.get(drilldown_url(school_id=999_999)).status_code == 404
    other_tso = trust_member(w.other_school.trust, "tso", email="tso@elsewhere.example")
    client.force_login(other_tso)
    assert client.get(drilldown_url(school_id=w.school.pk)).status_code == 404
    assert client.get(drilldown_url(school_id=w.other_school.pk)).status_code == 200
    assert not AccessLog.objects.filter(school=w.school).exists()


def test_bad_parameters_get_404(client: Any, fx: Fixture) -> None:
    w = fx.world
    client.force_login(w.users["tso"])
    base = reverse("trust-drilldown", kwargs={"school_id": w.school.pk})
    other_category = Category.objects.create(trust=w.other_school.trust, name="Neglect")
    for query in [
        f"category={other_category.pk}",  # another trust's
        f"category={fx.cats['Physical abuse'].pk}",  # a subcategory: the figures have none
        "category=abc",
        "category=%C2%B2",  # "²": a digit to str.isdigit(), not to int() (issue 16)
        "category=" + "9" * 5000,
        "show=everything",
        "start=2026-10-02&end=2026-10-01",  # the wrong way round
        "start=1-2-2026x",
        "end=9999-12-31",  # beyond any term
        "end=0001-01-01",
        "year_group=%00",  # not a year group (a NUL byte PostgreSQL refuses)
        "year_group=Year%2099",
    ]:
        assert client.get(f"{base}?{query}").status_code == 404, query
    # A term that has not begun, as a dashboard shows "to 30 June 2027" alone: its links work.
    assert client.get(f"{base}?start=2027-04-01&end=2027-06-30").status_code == 200
    # The period before a dashboard's earliest: a link from its "before" column works.
    assert client.get(f"{base}?start=1998-12-31&end=1999-12-31").status_code == 200
    assert client.get(f"{base}?year_group=Not+recorded").status_code == 200
    assert client.get(f"{base}?category={fx.cats['Abuse'].pk}").status_code == 200
    assert client.get(base).status_code == 200  # this term's concerns


# --- Query counts ----------------------------------------------------------------------------


def count_queries(client: Any, url: str, user: Any) -> int:
    forget_access(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _many(fx: Fixture, n: int) -> None:
    w = fx.world
    pupils = [PupilFactory(school=w.school) for _ in range(3)]
    for i in range(n):
        add_concern(
            w.school,
            w.users["staff"],
            at(2026, 10, 1 + i % 28, 9, i % 60),
            [
                (pupils[i % 3], "Year 7", [fx.cats["Bullying"]]),
                (pupils[(i + 1) % 3], "Year 8", [fx.cats["Physical abuse"]]),
            ],
            opened_after=datetime.timedelta(hours=1) if i % 2 else None,
        )


# Session read and write 2, user 1, two savepoints 4 (the request's transaction); permissions 2
# (school and trust rows), school 1, category 1, the restricted concerns named to the actor 1, the
# counts 1, the page's concerns (with their QA reviews) 1, their pupils 1 and categories 1, the
# access log 1; the layout's acting school 1 and its badges 1.
CONCERN_LIST_QUERIES = 20


def test_query_counts_are_pinned_and_constant_in_rows(client: Any, fx: Fixture) -> None:
    w = fx.world
    tso = w.users["tso"]
    client.force_login(tso)
    url = drilldown_url(school_id=w.school.pk, category_id=fx.cats["Abuse"].pk)
    _many(fx, 5)
    few = count_queries(client, url, tso)
    assert _count(client.get(url).content.decode()) == 5
    _many(fx, 35)
    page = client.get(url).content.decode()
    assert _count(page) == 40 == len(_rows(page))
    assert count_queries(client, url, tso) == few == CONCERN_LIST_QUERIES
    # Past one page: 50 rows on the first, the rest on the second, the same queries.
    _many(fx, 20)
    first = client.get(url).content.decode()
    assert (_count(first), len(_rows(first))) == (60, 50)
    assert len(_rows(client.get(url + "&page=2").content.decode())) == 10
    assert count_queries(client, url + "&page=2", tso) == CONCERN_LIST_QUERIES


def test_every_list_sorts_by_every_sortable_column_and_downloads(client: Any, fx: Fixture) -> None:
    """Each sortable column orders the whole list (in the database) the way its cells read."""
    seed_school_a(fx)
    w = fx.world
    client.force_login(w.users["tso"])
    for show in Show:
        url = drilldown_url(school_id=w.school.pk, show=show)
        page = _page(client, url)
        sortable = re.findall(r"sort=records\.(\d+)\.", page)
        assert sortable, show
        for column in sorted(set(sortable)):
            for order in ("asc", "desc"):
                sorted_url = f"{url}&sort=records.{column}.{order}"
                rows = _rows(_page(client, sorted_url))
                download = client.get(sorted_url + "&csv=records")
                assert download.status_code == 200
                lines = list(csv.reader(io.StringIO(download.content.decode().lstrip("\ufeff"))))
                assert len(lines) - 1 == len(rows), (show, column, order)
                # The page and its download list the records in the same order.
                assert [line[0] for line in lines[1:]] == rows
    # Referrals by urgency: most pressing first, as the cells read.
    url = drilldown_url(school_id=w.school.pk, show=Show.REFERRALS_OPEN) + "&sort=records.2.asc"
    assert "Urgent" in _table(_page(client, url))


def test_a_follow_up_owed_on_a_closed_referral_counts_as_the_referral_list_counts_it(
    client: Any, fx: Fixture
) -> None:
    """A phone referral can get its outcome before its written follow-up is recorded: the
    follow-up is still owed, and the dashboards, the drill-down and the referral list agree."""
    from referrals.models import Referral
    from referrals.selectors import referral_counts

    w = fx.world
    seed_school_a(fx)
    closed = Referral.objects.filter(school=w.school, status="closed").get()
    closed.pk, closed.follow_up_due_at = None, NOW - datetime.timedelta(days=3)
    closed.save(force_insert=True)  # another like it, its written follow-up still owed
    _, _, f = school_figures(actor=w.users["tso"], school=w.school)
    assert (f.referrals_open, f.referrals_overdue, f.follow_ups_outstanding) == (3, 1, 2)
    assert referral_counts(actor=w.users["dsl"], school=w.school)["follow_up"] == 2
    client.force_login(w.users["tso"])
    page = _page(client, drilldown_url(school_id=w.school.pk, show=Show.FOLLOW_UPS))
    assert _count(page) == 2


def test_the_csv_of_a_list_is_in_the_pages_order(client: Any, fx: Fixture) -> None:
    """The list is sorted in the database; its download is not sorted again in memory (where a
    cell's value, like "Not yet", would put it in another order)."""
    w = fx.world
    seed_school_a(fx)
    client.force_login(w.users["tso"])
    for column in range(1, 5):
        for order in ("asc", "desc"):
            url = drilldown_url(school_id=w.school.pk, show=Show.ACTIONS_OPEN)
            url += f"&sort=records.{column}.{order}"
            page_rows = _rows(_page(client, url))
            body = client.get(url + "&csv=records").content.decode("utf-8-sig")
            csv_rows = [r[0] for r in csv.reader(io.StringIO(body))][1:]
            assert csv_rows == page_rows, (column, order)


def test_sorting_by_status_sorts_what_the_list_shows(client: Any, fx: Fixture) -> None:
    """ "New" (no DSL has opened it) is shown for a received concern: the order follows it."""
    w = fx.world
    seed_school_a(fx)
    client.force_login(w.users["tso"])
    url = drilldown_url(school_id=w.school.pk, start=AUTUMN[0], end=AUTUMN[1])
    for order in ("asc", "desc"):
        body = _table(_page(client, url + f"&sort=records.4.{order}"))
        shown = re.findall(
            r'<td class="govuk-table__cell">(New|Received|Actioned|Closed)</td>', body
        )
        assert len(set(shown)) > 1
        assert shown == sorted(shown, key=str.casefold, reverse=order == "desc"), shown


def _copy(rows: Any, times: int, **changes: Any) -> None:
    """Insert `times` copies of each row (a new id; `changes` applied, callables per copy)."""
    for row in list(rows):
        for _ in range(times):
            row.pk = None
            for name, value in changes.items():
                setattr(row, name, value() if callable(value) else value)
            row.save(force_insert=True)


@pytest.mark.parametrize(
    "show",
    [s for s in Show if s != Show.CONCERNS],  # the concerns' list: pinned above
)
def test_every_other_list_has_constant_query_counts(client: Any, fx: Fixture, show: Show) -> None:
    """Each list reads the same number of queries with three times the records behind it."""
    from chronology.models import CpFile, PupilStatus, RiskAssessment, RiskAssessmentPupil
    from concerns.models import Action
    from referrals.models import Referral

    w = fx.world
    seed_school_a(fx)
    tso = w.users["tso"]
    client.force_login(tso)
    url = drilldown_url(school_id=w.school.pk, show=show)
    before = _count(_page(client, url))  # the first view also settles the session
    few = count_queries(client, url, tso)
    # Three times the records of every kind (new pupils for the open files: one each).
    _copy(
        CpFile.objects.filter(school=w.school, closed_at__isnull=True),
        2,
        pupil=lambda: PupilFactory(school=w.school),
    )
    _copy(Referral.objects.filter(school=w.school), 2)
    _copy(Action.objects.filter(school=w.school), 2)
    _copy(PupilStatus.objects.filter(school=w.school), 2)
    for assessment in RiskAssessment.objects.filter(school=w.school):
        pupils = list(RiskAssessmentPupil.objects.filter(assessment=assessment))
        _copy([assessment], 1)
        _copy(pupils, 1, assessment=assessment)
    _many(fx, 10)  # half of them never opened
    after = _count(_page(client, url))
    assert after > before, (show, before, after)
    assert count_queries(client, url, tso) == few, show


# --- Restricted records ----------------------------------------------------------------------


def _restricted_records(fx: Fixture) -> Concern:
    """A restricted concern of this term (not yet opened, bullying, Year 7) that no one is
    named on, and from it: a referral open, overdue and owing its written follow-up, an overdue
    action and a risk assessment due for review. Each belongs in one or more lists."""
    from chronology.models import RiskAssessment, RiskAssessmentPupil
    from concerns import services as concern_services
    from concerns.models import Action
    from referrals.models import Referral

    w = fx.world
    school, dsl = w.school, w.users["dsl"]
    pupil = PupilFactory(school=school)
    concern = add_concern(
        school, w.users["staff"], at(2026, 11, 19, 9), [(pupil, "Year 7", [fx.cats["Bullying"]])]
    )
    concern_services.concern_restrict(actor=dsl, concern=concern, named=[])
    concern.refresh_from_db()
    template = Referral.objects.filter(school=school).first()
    assert template is not None
    template.pk, template.concern, template.pupil = None, concern, pupil
    template.status, template.response_due_at = "open", NOW - datetime.timedelta(hours=1)
    template.follow_up_due_at = NOW - datetime.timedelta(hours=40)
    template.save(force_insert=True)
    Action.objects.create(
        school=school,
        concern=concern,
        description="Restricted task",
        owner=dsl,
        created_by=dsl,
        due_on=NOW.date() - datetime.timedelta(days=1),
    )
    assessment = RiskAssessment.objects.create(
        school=school,
        concern=concern,
        title="Restricted plan",
        risks="x",
        measures="x",
        review_date=NOW.date() - datetime.timedelta(days=1),
        created_by=dsl,
    )
    RiskAssessmentPupil.objects.create(school=school, assessment=assessment, pupil=pupil)
    return concern


@pytest.mark.parametrize(
    "show",
    [s for s in Show if s != Show.OPEN_CP_FILES],  # a CP file is never restricted
)
def test_a_restricted_concern_and_what_came_from_it_stay_out_of_every_list(
    client: Any, fx: Fixture, show: Show
) -> None:
    """Counted in the figure, never listed to a TSO not named on it: neither the concern nor its
    referral, action or risk assessment (issue 18: the lists' `NOT EXISTS`). Named on it, the
    TSO reads them with the rest."""
    seed_school_a(fx)
    w = fx.world
    tso = w.users["tso"]
    client.force_login(tso)
    url = drilldown_url(school_id=w.school.pk, show=show)
    before = _page(client, url)
    concern = _restricted_records(fx)
    page = _page(client, url)
    assert _count(page) == _count(before) + 1, show
    assert _hidden(page) == _hidden(before) + 1, show
    assert _rows(page) == _rows(before), show
    for words in (concern.reference, "Restricted task", "Restricted plan"):
        assert words not in page, (show, words)
    # The download holds no more than the page.
    download = client.get(url + "&csv=records").content.decode()
    assert concern.reference not in download
    assert "Restricted plan" not in download
    # Named on it, the TSO reads it: one more row, nothing held back.
    from concerns import services as concern_services

    concern_services.concern_restrict(actor=w.users["dsl"], concern=concern, named=[tso])
    page = _page(client, url)
    assert _hidden(page) == _hidden(before), show
    assert len(_rows(page)) == len(_rows(before)) + 1, show
    assert concern.reference in page or "Restricted plan" in page, show


# --- The CSV holds the words the page shows (issue 20) -------------------------------------


def _cells(html_text: str) -> list[str]:
    hidden = r'<span class="govuk-visually-hidden">.*?</span>'
    return [
        html.unescape(re.sub(r"<[^>]+>", "", re.sub(hidden, "", cell))).strip()
        for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html_text, re.S)
    ]


def test_every_list_csv_writes_the_words_the_page_shows_not_codes(client: Any, fx: Fixture) -> None:
    """A column the page shows in words (urgency, status, year group) is written in words in
    the CSV, never as the number it sorts by (the urgency was "0", "1", "2")."""
    seed_school_a(fx)
    w = fx.world
    client.force_login(w.users["tso"])
    checked = 0
    for show in Show:
        url = drilldown_url(school_id=w.school.pk, show=show)
        table = _table(_page(client, url))
        head, body = table.split('<tbody class="govuk-table__body">')
        headers = _cells(head)
        page_rows = [_cells(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
        download = client.get(url + "&csv=records").content.decode().lstrip("\ufeff")
        lines = list(csv.reader(io.StringIO(download)))
        where = {name: n for n, name in enumerate(lines[0])}
        for shown, written in zip(page_rows, lines[1:], strict=True):
            for label, text in zip(headers, shown, strict=False):
                value = written[where[label]] if label in where else None
                if value is None or not text:
                    continue
                checked += 1
                if re.fullmatch(r"-?\d+(\.\d+)?", value):
                    assert re.match(r"[\d–-]|Not yet|Due today|Not opened", text), (
                        show,
                        label,
                        text,
                        value,
                    )
    assert checked
    url = drilldown_url(school_id=w.school.pk, show=Show.REFERRALS_OPEN)
    rows = list(
        csv.reader(io.StringIO(client.get(url + "&csv=records").content.decode().lstrip("\ufeff")))
    )
    urgency = rows[0].index("Urgency")
    assert {r[urgency] for r in rows[1:]} <= {"Immediate", "Urgent", "Not urgent"}
    assert rows[1:]
