"""The dashboards' figures against values worked out by hand on a small fixture (issue 8).

The fixture is written with plain inserts (not the services) so every time is exact: "now" is
Friday 20 November 2026 at noon, London; this term is autumn 2026 (1 September to 31 December)
and the term before is summer 2026 (1 April to 31 August).
"""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.http import Http404

from oversight.dashboards import figures
from oversight.dashboards.figures import (
    Period,
    outlier_rule,
    percentile,
    school_figures,
    trust_figures,
)
from tests.support.dashboard_queries import SCHOOL_QUERIES, TRUST_QUERIES
from tests.support.factories import PupilFactory, SchoolFactory, member
from tests.support.figures import (
    NOW,
    TODAY,
    Fixture,
    H,
    M,
    at,
    bulk_concerns,
    count_queries,
    make_fixture,
    seed_gamma,
    seed_school_a,
)
from tests.support.world import World


@pytest.fixture
def fx(world: World) -> Fixture:
    return make_fixture(world)


# --- One school ----------------------------------------------------------------------------


def test_school_figures_match_the_hand_count(fx: Fixture) -> None:
    seed_school_a(fx)
    period, previous, f = school_figures(
        actor=fx.world.users["dsl"], school=fx.world.school, now=NOW
    )
    assert (period.start, period.end) == (datetime.date(2026, 9, 1), datetime.date(2026, 12, 31))
    assert (previous.start, previous.end) == (datetime.date(2026, 4, 1), datetime.date(2026, 8, 31))

    assert (f.concerns, f.concerns_previous) == (5, 3)
    # A concern counts once under a category however many of its pupils have it; a
    # subcategory counts under its top-level category.
    assert [(c.label, c.count, c.previous) for c in f.by_category] == [
        ("Abuse", 3, 1),
        ("Bullying", 2, 1),
        ("Online safety", 1, 1),
    ]
    assert [(y.label, y.count, y.previous) for y in f.by_year_group] == [
        ("Year 6", 0, 2),
        ("Year 7", 4, 1),
        ("Year 8", 2, 0),
    ]
    assert f.open_cp_files == 2
    assert (f.referrals_open, f.referrals_overdue, f.follow_ups_outstanding) == (3, 1, 1)
    assert (f.actions_open, f.actions_overdue) == (2, 1)
    assert (f.reviews_due, f.reviews_upcoming) == (2, 1)
    assert f.untriaged == 3
    assert f.untriaged_ages == {
        "under_1_hour": 1,
        "1_hour_to_1_day": 0,
        "1_to_3_days": 1,
        "over_3_days": 1,
    }
    assert f.oldest_untriaged_since == at(2026, 6, 15)
    # Opened after 1, 3 and 5 hours: median 3 h; 90th percentile 3 h + 0.8 x 2 h = 4 h 36 min.
    assert f.opened == 3
    assert f.time_to_open_median == 3 * H
    assert f.time_to_open_p90 == datetime.timedelta(hours=4, minutes=36)
    # Last term 2 h and 4 h: median 3 h; 90th percentile 2 h + 0.9 x 2 h = 3 h 48 min.
    assert f.opened_previous == 2
    assert f.time_to_open_median_previous == 3 * H
    assert f.time_to_open_p90_previous == datetime.timedelta(hours=3, minutes=48)
    assert not f.triage_slipping  # 3 h against 3 h


@pytest.mark.parametrize(
    ("now", "before", "slipping"),
    [
        (5 * H, 4 * H, True),  # a quarter and an hour longer
        (4 * H + 59 * M, 4 * H, False),  # under an hour longer
        (10 * M, 2 * M, False),  # five times as long, but minutes
        (3 * H, 3 * H, False),
        (13 * H, 10 * H, True),  # 30% and 3 hours
        (12 * H, 10 * H, False),  # 2 hours, but only 20%
        (None, 4 * H, False),
        (4 * H, None, False),
    ],
)
def test_triage_slipping_rule(
    now: datetime.timedelta | None, before: datetime.timedelta | None, slipping: bool
) -> None:
    assert figures.triage_slipped(now, before) is slipping


def test_a_date_range_compares_with_as_many_days_before(fx: Fixture) -> None:
    seed_school_a(fx)
    period, previous, f = school_figures(
        actor=fx.world.users["dsl"],
        school=fx.world.school,
        start=datetime.date(2026, 10, 1),
        end=datetime.date(2026, 11, 30),
        now=NOW,
    )
    assert (previous.start, previous.end) == (datetime.date(2026, 8, 1), datetime.date(2026, 9, 30))
    assert (f.concerns, f.concerns_previous) == (4, 1)  # 5 Oct, 2, 18, 20 Nov; 10 Sep
    assert f.time_to_open_median == 4 * H  # 3 h and 5 h
    assert f.time_to_open_median_previous == H
    assert f.triage_slipping
    with pytest.raises(ValueError, match="end date"):
        school_figures(
            actor=fx.world.users["dsl"],
            school=fx.world.school,
            start=datetime.date(2026, 10, 2),
            end=datetime.date(2026, 10, 1),
            now=NOW,
        )


def test_a_school_with_nothing_has_zeros_not_gaps(fx: Fixture) -> None:
    _, _, f = school_figures(actor=fx.world.users["dsl"], school=fx.world.school, now=NOW)
    assert f.concerns == f.untriaged == f.open_cp_files == f.reviews_due == 0
    assert [c.count for c in f.by_category] == [0, 0, 0]
    assert f.by_year_group == []
    assert f.time_to_open_median is None
    assert f.oldest_untriaged_since is None


def test_the_portable_percentile_agrees_with_postgresql(
    fx: Fixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite (make run) computes the percentiles from one ordered query, the same way."""
    seed_school_a(fx)
    _, _, in_db = school_figures(actor=fx.world.users["dsl"], school=fx.world.school, now=NOW)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    _, _, portable = school_figures(actor=fx.world.users["dsl"], school=fx.world.school, now=NOW)
    assert portable == in_db
    assert portable.time_to_open_p90 == datetime.timedelta(hours=4, minutes=36)


def test_percentile_interpolates_like_percentile_cont() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert percentile([1.0, 3.0, 5.0], 0.9) == pytest.approx(4.6)
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5


# --- The trust -----------------------------------------------------------------------------


def test_trust_figures_side_by_side_and_weekly(fx: Fixture) -> None:
    seed_school_a(fx)
    seed_gamma(fx)
    t = trust_figures(actor=fx.world.users["tso"], trust=fx.world.school.trust, now=NOW)
    assert [s.school_name for s in t.schools] == ["Alpha School", "Gamma School"]
    alpha, gamma = t.schools
    assert (alpha.concerns, gamma.concerns) == (5, 1)
    assert gamma.time_to_open_median == 10 * H
    assert [(c.label, c.count) for c in gamma.by_category] == [
        ("Abuse", 0),
        ("Bullying", 1),
        ("Online safety", 0),
    ]
    assert len(t.weeks) == 52
    assert t.weeks[-1] == datetime.date(2026, 11, 16)
    assert t.weeks[0] == datetime.date(2025, 11, 24)
    ids = {label: cid for cid, label in t.categories}
    abuse, bullying, online = (
        t.weekly[ids["Abuse"]],
        t.weekly[ids["Bullying"]],
        t.weekly[ids["Online safety"]],
    )
    # Week of 16 November: 17 Nov (Gamma) and 20 Nov bullying; 18 Nov abuse.
    assert (abuse[-1], bullying[-1], online[-1]) == (1, 2, 0)
    # Week of 2 November: the online-safety concern of Monday 2 November, 08:00.
    assert online[t.weeks.index(datetime.date(2026, 11, 2))] == 1
    # Week of 5 October: one concern, two pupils, under bullying and abuse (once each).
    week = t.weeks.index(datetime.date(2026, 10, 5))
    assert (abuse[week], bullying[week]) == (1, 1)
    # Every submitted concern of the 12 months, once per top-level category.
    assert (sum(abuse), sum(bullying), sum(online)) == (4, 5, 2)


def test_the_trust_school_filter(fx: Fixture) -> None:
    seed_school_a(fx)
    seed_gamma(fx)
    tso = fx.world.users["tso"]
    trust = fx.world.school.trust
    t = trust_figures(actor=tso, trust=trust, school_ids=[fx.gamma.pk], now=NOW)
    assert [s.school_name for s in t.schools] == ["Gamma School"]
    assert sum(t.weekly[t.categories[1][0]]) == 1  # Gamma's one bullying concern
    # Another trust's school cannot be asked for: it is simply not there.
    t = trust_figures(actor=tso, trust=trust, school_ids=[fx.world.other_school.pk], now=NOW)
    assert t.schools == []
    assert all(sum(series) == 0 for series in t.weekly.values())


# --- Outliers ------------------------------------------------------------------------------


def test_the_outlier_rule() -> None:
    steady = [2, 3, 2, 3, 2, 3]  # mean 2.5, standard deviation 0.5
    assert outlier_rule(9, steady)[0]
    assert not outlier_rule(3, steady)[0]
    assert not outlier_rule(5, steady)[0]  # above mean + 2 sd (3.5) but not 3 more than the mean
    assert outlier_rule(6, steady)[0]
    assert not outlier_rule(2, [0] * 6)[0]  # from nothing to 2 is not a trend
    assert outlier_rule(3, [0] * 6)[0]
    wobbly = [2, 4, 2, 4, 2, 4]  # mean 3, sd 1: threshold max(5, 6) = 6
    assert not outlier_rule(5, wobbly)[0]
    flagged, mean, stdev, threshold = outlier_rule(6, wobbly)
    assert (flagged, mean, stdev, threshold) == (True, 3.0, 1.0, 6.0)


def test_outliers_flag_the_spike_and_not_the_steady(fx: Fixture) -> None:
    """School A's online-safety concerns jump to 10 in the last 28 days after 2 or 3 in each
    of the six 28-day windows before; Gamma's bullying stays at 3 a window."""
    w = fx.world
    gamma_pupil, gamma_staff = PupilFactory(school=fx.gamma), member(fx.gamma, "staff")
    online, bullying = fx.cats["Online safety"], fx.cats["Bullying"]
    for n in range(1, 7):
        middle = TODAY - datetime.timedelta(days=28 * n + 14)
        bulk_concerns(w.school, w.users["staff"], w.pupil, online, middle, 2 + n % 2)
        bulk_concerns(fx.gamma, gamma_staff, gamma_pupil, bullying, middle, 3)
    bulk_concerns(
        w.school, w.users["staff"], w.pupil, online, TODAY - datetime.timedelta(days=3), 10
    )
    bulk_concerns(fx.gamma, gamma_staff, gamma_pupil, bullying, TODAY, 3)  # today is in the window
    # Older than the seven windows: ignored.
    bulk_concerns(
        w.school, w.users["staff"], w.pupil, online, TODAY - datetime.timedelta(days=200), 40
    )

    t = trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW)
    assert t.outlier_windows[0] == Period(TODAY - datetime.timedelta(days=27), TODAY)
    assert len(t.outlier_windows) == 7
    flagged = {(o.kind, o.label): o for o in t.outliers}
    assert set(flagged) == {
        ("school", "Alpha School"),
        ("category", "Online safety"),
        ("school_category", "Online safety at Alpha School"),
    }
    spike = flagged[("school_category", "Online safety at Alpha School")]
    assert (spike.count, spike.mean, spike.stdev) == (10, 2.5, 0.5)
    assert spike.school_id == w.school.pk
    assert spike.category_id == online.pk
    # Filtered to Alpha alone, the category across "the schools shown" is Alpha's: said once.
    alone = trust_figures(
        actor=w.users["tso"], trust=w.school.trust, school_ids=[w.school.pk], now=NOW
    )
    assert {(o.kind, o.label) for o in alone.outliers} == {
        ("school", "Alpha School"),
        ("school_category", "Online safety at Alpha School"),
    }


# --- Tenancy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["dsl", "deputy", "head", "governor", "tso"])
def test_who_sees_the_school_figures(fx: Fixture, role: str) -> None:
    seed_school_a(fx)
    _, _, f = school_figures(actor=fx.world.users[role], school=fx.world.school, now=NOW)
    assert f.concerns == 5


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_administrators_do_not(fx: Fixture, role: str) -> None:
    with pytest.raises(Http404):
        school_figures(actor=fx.world.users[role], school=fx.world.school, now=NOW)


@pytest.mark.parametrize("role", ["dsl", "governor", "tso"])
def test_no_one_sees_another_schools_figures(fx: Fixture, role: str) -> None:
    with pytest.raises(Http404):
        school_figures(actor=fx.world.users[role], school=fx.world.other_school, now=NOW)


@pytest.mark.parametrize("role", ["dsl", "deputy", "head", "governor", "staff", "other_dsl"])
def test_only_the_tso_sees_the_trust(fx: Fixture, role: str) -> None:
    with pytest.raises(Http404):
        trust_figures(actor=fx.world.users[role], trust=fx.world.school.trust, now=NOW)


def test_a_tso_sees_only_their_own_trust(fx: Fixture) -> None:
    tso = fx.world.users["tso"]
    with pytest.raises(Http404):
        trust_figures(actor=tso, trust=fx.world.other_school.trust, now=NOW)
    assert list(figures.dashboard_trusts_for(actor=tso)) == [fx.world.school.trust]
    assert list(figures.dashboard_trusts_for(actor=fx.world.users["dsl"])) == []


# --- Query counts: constant in schools and concerns ------------------------------------------


def test_query_counts_are_pinned_and_constant(fx: Fixture) -> None:
    from safeguard.access import forget_access

    w = fx.world

    def school() -> None:
        forget_access(w.users["dsl"])
        school_figures(actor=w.users["dsl"], school=w.school, now=NOW)

    def trust() -> None:
        forget_access(w.users["tso"])
        trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW)

    assert count_queries(school) == SCHOOL_QUERIES
    assert count_queries(trust) == TRUST_QUERIES
    seed_school_a(fx)
    seed_gamma(fx)
    for n in range(3):  # more schools, each with concerns
        extra = SchoolFactory(trust=w.school.trust, name=f"Extra {n}", slug=f"extra-{uuid.uuid4()}")
        bulk_concerns(
            extra, member(extra, "staff"), PupilFactory(school=extra), fx.cats["Bullying"], TODAY, 4
        )
    assert count_queries(school) == SCHOOL_QUERIES
    assert count_queries(trust) == TRUST_QUERIES
    t = trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW)
    assert len(t.schools) == 5
