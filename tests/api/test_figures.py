"""The figures endpoints (issue 17): the dashboards' own figures for the same dates, as the pages
and their CSV show them, never a name, counts of 1 and 2 hidden in the breakdown by pupil
characteristic as on the governor's page, and a pinned number of queries whatever the data.

Against the dashboards' hand-counted fixture (tests/support/figures.py):
"now" is Friday 20 November 2026 at noon, London; this term is autumn 2026.
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

from api.models import ApiCall
from oversight.dashboards.figures import UNTRIAGED_AGE_BANDS
from schools.models import Pupil, User
from tests.support.api import bearer, problem_of, register_client
from tests.support.factories import PupilFactory, SchoolFactory, member
from tests.support.figures import (
    NOW,
    TODAY,
    Fixture,
    bulk_concerns,
    make_fixture,
    seed_gamma,
    seed_school_a,
)

H = datetime.timedelta(hours=1)


@pytest.fixture
def fx(world: Any) -> Iterator[Fixture]:
    with time_machine.travel(NOW, tick=False):
        yield make_fixture(world)


@pytest.fixture
def seeded(fx: Fixture) -> Fixture:
    seed_school_a(fx)
    seed_gamma(fx)
    # Known characteristics, so the breakdown has small counts to hide: of the three pupils of
    # school A named this term, one has an EHC plan.
    school_a = Pupil.objects.filter(school=fx.world.school)
    school_a.update(sen_provision="N")
    school_a.filter(pk=fx.world.pupil.pk).update(sen_provision="E")
    return fx


def _school_api(fx: Fixture, scopes: tuple[str, ...] = ("figures:read",)) -> Client:
    _, secret = register_client(fx.world.users["dsl"], school=fx.world.school, scopes=scopes)
    return bearer(secret)


def _trust_api(fx: Fixture) -> Client:
    _, secret = register_client(
        fx.world.users["tso"], trust=fx.world.school.trust, scopes=["figures:read"]
    )
    return bearer(secret)


def _school_url(fx: Fixture, school_id: int | None = None) -> str:
    return f"/api/v1/schools/{school_id or fx.world.school.pk}/figures/"


def _trust_url(trust_id: int) -> str:
    return f"/api/v1/trusts/{trust_id}/figures/"


def _json(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/json"
    return response.json()


def _csv(user: User, url: str, key: str, **params: str) -> list[list[str]]:
    client = Client()
    client.force_login(user)
    response = client.get(url, {"csv": key, **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _n(value: int | None) -> str:
    return "" if value is None else str(value)


def _hours(seconds: float | None) -> str:
    return "" if seconds is None else str(round(seconds / 3600, 1))


# --- The school's figures are the school dashboard's ----------------------------------------


def _as_school_csv(body: dict[str, Any]) -> dict[str, list[list[str]]]:
    """The API's figures laid out as the school dashboard's CSV tables (headings left out)."""
    c, now, t = body["concerns"], body["now"], body["time_to_open"]
    oldest = body["now"]["oldest_untriaged_since"]
    waiting = None
    if oldest:
        as_of = datetime.datetime.fromisoformat(body["as_of"])
        waiting = (as_of - datetime.datetime.fromisoformat(oldest)).total_seconds()
    times = [
        ["Median", _hours(t["median_seconds"]), _hours(t["median_seconds_previous"])],
        ["90th percentile", _hours(t["p90_seconds"]), _hours(t["p90_seconds_previous"])],
        ["Oldest not yet opened, waiting (now)", _hours(waiting), ""],
    ]
    if t["slipping"]:  # flagged in a column of its own
        flags = [f"{body['period']['name']}: Slipping", "", ""]
        times = [[*row, flag] for row, flag in zip(times, flags, strict=True)]
    return {
        "figures": [
            ["Concerns written", _n(c["written"]), _n(c["written_previous"])],
            ["Concerns opened by a DSL", _n(c["opened"]), _n(c["opened_previous"])],
            ["Not yet opened by a DSL (now)", _n(now["untriaged"]), ""],
            ["Open child-protection files (now)", _n(now["open_cp_files"]), ""],
            ["Referrals open (now)", _n(now["referrals_open"]), ""],
            ["Referrals overdue (now)", _n(now["referrals_overdue"]), ""],
            ["Written follow-ups outstanding (now)", _n(now["follow_ups_outstanding"]), ""],
            ["Actions open (now)", _n(now["actions_open"]), ""],
            ["Actions overdue (now)", _n(now["actions_overdue"]), ""],
            ["Reviews due (now)", _n(now["reviews_due"]), ""],
            ["Reviews due in the next 14 days (now)", _n(now["reviews_upcoming"]), ""],
        ],
        "time-to-open": times,
        "categories": [
            [c["label"], _n(c["count"]), _n(c["previous"])] for c in body["by_category"]
        ],
        "year-groups": [
            [y["label"], _n(y["count"]), _n(y["previous"])] for y in body["by_year_group"]
        ],
        "untriaged-ages": [
            *([a["label"], _n(a["count"])] for a in now["untriaged_by_age"]),
            ["All", _n(now["untriaged"])],
        ],
        "pupils": [
            [
                g["label"],
                g["characteristic_label"],
                *(
                    g["hidden"].get(name) or _n(g[name])
                    for name in ("on_roll", "with_concerns", "concerns")
                ),
                _n(g["with_concerns_per_100"]),
                _n(g["concerns_per_100"]),
            ]
            for g in body["by_pupil_characteristic"]
        ],
    }


@pytest.mark.parametrize(
    ("query", "page_query"),
    [
        ({}, {}),  # this term
        ({"start": "2026-10-01", "end": "2026-11-30"}, {"start": "1/10/2026", "end": "30/11/2026"}),
        ({"start": "2026-05-01"}, {"start": "1/5/2026"}),  # to the end of that term
    ],
)
def test_the_school_figures_are_the_school_dashboards(
    seeded: Fixture, query: dict[str, str], page_query: dict[str, str]
) -> None:
    body = _json(_school_api(seeded).get(_school_url(seeded), query))
    ours = _as_school_csv(body)
    dsl, governor = seeded.world.users["dsl"], seeded.world.users["governor"]
    for key in ["figures", "time-to-open", "categories", "year-groups", "untriaged-ages"]:
        assert ours[key] == _csv(dsl, "/dashboard/", key, **page_query)[1:], key
    # The breakdown by pupil characteristic as the governor's page has it: small counts hidden.
    assert ours["pupils"] == _csv(governor, "/dashboard/", "pupils", **page_query)[1:]
    heading = _csv(dsl, "/dashboard/", "figures", **page_query)[0]
    assert heading[1:] == [body["period"]["name"], body["previous_period"]["name"]]


def test_the_school_figures_as_counted_by_hand(seeded: Fixture) -> None:
    body = _json(_school_api(seeded).get(_school_url(seeded)))
    assert body["school_id"] == seeded.world.school.pk
    assert body["period"] == {
        "start": "2026-09-01",
        "end": "2026-12-31",
        "name": "Autumn term 2026",
    }
    assert body["previous_period"]["name"] == "Summer term 2026"
    assert body["concerns"] == {
        "written": 5,
        "written_previous": 3,
        "opened": 3,
        "opened_previous": 2,
    }
    assert [(c["label"], c["count"], c["previous"]) for c in body["by_category"]] == [
        ("Abuse", 3, 1),
        ("Bullying", 2, 1),
        ("Online safety", 1, 1),
    ]
    assert body["time_to_open"]["median_seconds"] == 3 * 3600
    assert body["now"]["untriaged"] == 3
    assert [a["band"] for a in body["now"]["untriaged_by_age"]] == [
        k for k, _ in UNTRIAGED_AGE_BANDS
    ]
    groups = {g["group"]: g for g in body["by_pupil_characteristic"]}
    assert groups["all"]["with_concerns"] == 3  # p1, p2 and p3 named this term
    # One pupil with an EHC plan named on concerns: hidden, and no rate from it.
    assert groups["ehc-plan"]["with_concerns"] is None
    assert groups["ehc-plan"]["hidden"]["with_concerns"] == "fewer than 3"
    assert groups["ehc-plan"]["with_concerns_per_100"] is None
    # The other two pupils (no SEN) are hidden too, on roll and named.
    assert groups["sen-none"]["hidden"] == {
        "on_roll": "fewer than 3",
        "with_concerns": "fewer than 3",
    }
    assert groups["all"]["on_roll"] == 3  # the whole school's roll is shown


def test_the_figures_are_never_narrowed_to_a_group_of_pupils(seeded: Fixture) -> None:
    # The governor's rule (ADR 0026): a client reads aggregates only, so `pupils` is not a
    # parameter; asked for in the address, it changes nothing.
    api = _school_api(seeded)
    whole = _json(api.get(_school_url(seeded)))
    asked = _json(api.get(_school_url(seeded), {"pupils": "ehc-plan"}))
    assert asked["concerns"] == whole["concerns"]
    assert asked["by_category"] == whole["by_category"]


# --- The trust's figures are the trust dashboard's -------------------------------------------


def test_the_trust_figures_are_the_trust_dashboards(seeded: Fixture) -> None:
    trust = seeded.world.school.trust
    body = _json(_trust_api(seeded).get(_trust_url(trust.pk)))
    assert (body["trust_id"], body["trust_name"]) == (trust.pk, trust.name)
    tso = seeded.world.users["tso"]
    rows = []
    for s in body["schools"]:
        c, now, t = s["concerns"], s["now"], s["time_to_open"]
        rows.append(
            [
                s["school_name"],
                *map(_n, [c["written"], c["written_previous"], now["open_cp_files"]]),
                *map(_n, [now["referrals_open"], now["referrals_overdue"]]),
                *map(_n, [now["follow_ups_outstanding"], now["actions_open"]]),
                *map(_n, [now["actions_overdue"], now["untriaged"]]),
                _hours(t["median_seconds"]),
                _hours(t["p90_seconds"]),
                _n(now["reviews_due"]),
            ]
        )
    assert rows == _csv(tso, "/trust/dashboard/", "schools")[1:-1]  # the totals row left out
    assert [s["school_name"] for s in body["schools"]] == ["Alpha School", "Gamma School"]
    by_school = [{c["category_id"]: c["count"] for c in s["by_category"]} for s in body["schools"]]
    assert [
        [c["label"], *(_n(counts[c["id"]]) for counts in by_school)] for c in body["categories"]
    ] == [row[:-1] for row in _csv(tso, "/trust/dashboard/", "categories")[1:]]
    weekly = [
        [week, *(_n(w["counts"][n]) for w in body["weekly_by_category"])]
        for n, week in enumerate(body["weeks"])
    ]
    assert weekly == _csv(tso, "/trust/dashboard/", "weekly")[1:]
    assert len(weekly) == 52
    assert body["outliers"] == []
    assert body["outlier_window"]["end"] == TODAY.isoformat()
    assert body["by_pupil_characteristic"] is None  # only when asked for
    assert all(s["by_pupil_characteristic"] is None for s in body["schools"])


def test_a_spike_is_an_outlier_as_on_the_trust_dashboard(fx: Fixture) -> None:
    w = fx.world
    online = fx.cats["Online safety"]
    for n in range(1, 7):
        middle = TODAY - datetime.timedelta(days=28 * n + 14)
        bulk_concerns(w.school, w.users["staff"], w.pupil, online, middle, 2 + n % 2)
    bulk_concerns(
        w.school, w.users["staff"], w.pupil, online, TODAY - datetime.timedelta(days=3), 10
    )
    body = _json(_trust_api(fx).get(_trust_url(w.school.trust.pk)))
    page = _csv(w.users["tso"], "/trust/dashboard/", "outliers")[1:]
    assert [[o["label"], _n(o["count"]), str(round(o["mean"], 2))] for o in body["outliers"]] == [
        [row[0], row[2], row[3]] for row in page
    ]
    assert {(o["kind"], o["label"]) for o in body["outliers"]} == {
        ("school", "Alpha School"),
        ("category", "Online safety"),  # across the trust's two schools
        ("school_category", "Online safety at Alpha School"),
    }


def test_the_trusts_breakdown_is_each_schools_as_the_school_endpoint_gives_it(
    seeded: Fixture,
) -> None:
    trust = _trust_api(seeded)
    body = _json(trust.get(_trust_url(seeded.world.school.trust.pk), {"breakdown": "true"}))
    for school in body["schools"]:
        own = _json(trust.get(_school_url(seeded, school["school_id"])))
        assert school["by_pupil_characteristic"] == own["by_pupil_characteristic"]
    together = {g["group"]: g for g in body["by_pupil_characteristic"]}
    assert together["all"]["concerns"] == 6  # Alpha's 5 and Gamma's 1
    # The one pupil with an EHC plan in the trust, named on three concerns this term: the
    # pupil counts hidden, the concerns not (and no rate from a hidden count).
    ehc = together["ehc-plan"]
    assert ehc["hidden"] == {"on_roll": "fewer than 3", "with_concerns": "fewer than 3"}
    assert (ehc["on_roll"], ehc["with_concerns"], ehc["concerns"]) == (None, None, 3)
    assert ehc["concerns_per_100"] is None


# --- Never a name -------------------------------------------------------------------------


def _rename_everyone() -> list[str]:
    """Every pupil and person renamed to names found nowhere else, so a search is exact."""
    names = []
    for n, pupil in enumerate(Pupil.objects.order_by("pk")):
        pupil.legal_first_name, pupil.legal_last_name = f"Quenby{n}ria", f"O'Vandersloot{n}"
        pupil.preferred_first_name, pupil.preferred_last_name = f"Zizi{n}belle", f"Marchbank{n}"
        pupil.save()
        names += [pupil.legal_first_name, pupil.legal_last_name]
        names += [pupil.preferred_first_name, pupil.preferred_last_name]
    for n, user in enumerate(User.objects.order_by("pk")):
        user.full_name = f"Thaddeus{n} Pemberton-Ssmyth"
        user.save()
        names += [user.full_name, user.email]
    return names


def test_no_name_of_a_child_or_a_member_of_staff_anywhere(seeded: Fixture) -> None:
    school_api, trust_api = _school_api(seeded), _trust_api(seeded)
    names = _rename_everyone()
    assert len(names) > 40
    bodies = [
        school_api.get(_school_url(seeded)),
        school_api.get(_school_url(seeded), {"start": "2026-01-01", "end": "2026-11-20"}),
        trust_api.get(_trust_url(seeded.world.school.trust.pk), {"breakdown": "true"}),
        trust_api.get(_school_url(seeded, seeded.gamma.pk)),
    ]
    for response in bodies:
        text = _json(response) and response.content.decode()
        assert "school_name" in text  # the bodies are the figures meant
        for name in [*names, "Quenby", "Vandersloot", "Zizi", "Marchbank", "Pemberton"]:
            assert name not in text
        for bit in ("Thaddeus", "@alpha.example", "api-clients.invalid"):
            assert bit not in text


# --- The dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"start": "1/9/2026"}, "start", "Enter the first day as YYYY-MM-DD, such as 2026-09-01"),
        ({"end": "2026-02-30"}, "end", "Enter the last day as YYYY-MM-DD, such as 2026-12-31"),
        ({"start": "2026-11-21"}, "start", "The first day must be today or in the past"),
        ({"start": "1999-12-31"}, "start", "Enter a first day on or after 1 January 2000"),
        (
            {"start": "2026-11-01", "end": "2026-10-01"},
            "end",
            "The last day must be the same as or after the first day",
        ),
        (
            {"start": "2020-01-01", "end": "2026-11-20"},
            "end",
            "Choose a range of five years or less",
        ),
        ({"end": "2028-01-01"}, "end", "Enter a last day no later than 21 November 2027"),
    ],
)
def test_bad_dates_are_refused_with_the_field(
    seeded: Fixture, query: dict[str, str], field: str, message: str
) -> None:
    response = _school_api(seeded).get(_school_url(seeded), query)
    assert response.status_code == 400
    problem = problem_of(response)
    assert problem["errors"] == [{"field": field, "message": message}]
    response = _trust_api(seeded).get(_trust_url(seeded.world.school.trust.pk), query)
    assert response.status_code == 400
    assert problem_of(response)["errors"] == [{"field": field, "message": message}]


def test_empty_dates_are_this_term_and_a_bad_breakdown_is_refused(seeded: Fixture) -> None:
    api = _trust_api(seeded)
    url = _trust_url(seeded.world.school.trust.pk)
    body = _json(api.get(url, {"start": "", "end": ""}))
    assert body["period"]["name"] == "Autumn term 2026"
    response = api.get(url, {"breakdown": "maybe"})
    assert response.status_code == 400
    assert problem_of(response)["errors"] == [
        {"field": "breakdown", "message": "Enter true or false"}
    ]


# --- Who reads them -------------------------------------------------------------------------


def test_the_trust_figures_are_for_a_trust_wide_client_only(seeded: Fixture) -> None:
    trust_id, other_trust_id = seeded.world.school.trust.pk, seeded.world.other_school.trust_id
    school_api = _school_api(seeded)
    own = school_api.get(_trust_url(trust_id))
    other = school_api.get(_trust_url(other_trust_id))
    missing = school_api.get(_trust_url(999_999_999))
    assert own.status_code == other.status_code == missing.status_code == 404
    assert problem_of(own) == problem_of(other) == problem_of(missing)
    trust_api = _trust_api(seeded)
    assert trust_api.get(_trust_url(trust_id)).status_code == 200
    assert problem_of(trust_api.get(_trust_url(other_trust_id))) == problem_of(
        trust_api.get(_trust_url(999_999_999))
    )


def test_the_school_list_gives_the_trust_id_the_trust_figures_are_by(seeded: Fixture) -> None:
    trust_api = _trust_api(seeded)
    (trust_id,) = {s["trust_id"] for s in _json(trust_api.get("/api/v1/schools/"))}
    assert trust_id == seeded.world.school.trust.pk


def test_without_the_scope_the_figures_are_refused_and_the_call_recorded(seeded: Fixture) -> None:
    api = _school_api(seeded, scopes=("alerts:write",))
    response = api.get(_school_url(seeded))
    assert response.status_code == 403
    assert problem_of(response)["type"].endswith("forbidden")
    call = ApiCall.objects.get()
    assert (call.route, call.scope, call.school_id, call.status) == (
        "/api/v1/schools/<int:school_id>/figures/",
        "figures:read",
        seeded.world.school.pk,
        403,
    )


# --- Queries: pinned, and the same whatever the data ---------------------------------------

# A call's own: knox's two reads of the secret's token, the client 1, the client's permissions 1
# (a trust's client 2: its trust's schools), the call's record 1 (its last use is written once
# a minute: not here, the clock stands still); the school 1 or the trust 1. The school's figures:
# SCHOOL_QUERIES (tests/support/dashboard_queries.py) less the permissions, 11, and the
# breakdown by pupil characteristic 2 and its school's latest changes 2 (ADR 0036); the trust's:
# TRUST_QUERIES less the permissions, 14 (and the breakdown 2, when asked for).
SCHOOL_API_QUERIES = 2 + 1 + 1 + 1 + 1 + 11 + 2 + 2
TRUST_API_QUERIES = 2 + 1 + 2 + 1 + 1 + 14


def _queries(api: Client, url: str, **query: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url, query)
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def _grow(fx: Fixture) -> None:
    """More schools, pupils, concerns, categories and weeks of them."""
    trust = fx.world.school.trust
    for n in range(3):
        extra = SchoolFactory(trust=trust, name=f"Extra {n}", slug=f"extra-{n}")
        staff, pupil = member(extra, "staff"), PupilFactory(school=extra)
        bulk_concerns(extra, staff, pupil, fx.cats["Bullying"], TODAY, 3)
    for n in range(5):
        pupil = PupilFactory(school=fx.world.school)
        day = TODAY - datetime.timedelta(days=9 * n)
        bulk_concerns(fx.world.school, fx.world.users["staff"], pupil, fx.cats["Abuse"], day, 2)


def test_query_counts_are_pinned_and_constant(seeded: Fixture) -> None:
    school_api, trust_api = _school_api(seeded), _trust_api(seeded)
    school, trust = _school_url(seeded), _trust_url(seeded.world.school.trust.pk)
    school_api.get(school)  # a first call writes the client's last use
    trust_api.get(trust)
    before = (
        _queries(school_api, school),
        _queries(trust_api, trust),
        _queries(trust_api, trust, breakdown="true"),
    )
    assert before == (SCHOOL_API_QUERIES, TRUST_API_QUERIES, TRUST_API_QUERIES + 2)
    _grow(seeded)
    grown = _json(trust_api.get(trust))
    assert len(grown["schools"]) == 5
    after = (
        _queries(school_api, school, start="2026-01-01", end="2026-11-20"),
        _queries(trust_api, trust),
        _queries(trust_api, trust, breakdown="true"),
    )
    assert after == before
