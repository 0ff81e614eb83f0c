"""The daily tallies: the dashboards read past days from them and the rest live, and the figures
are the same either way (docs/adr/0020)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from oversight.dashboards.figures import school_figures, trust_figures
from oversight.dashboards.tally import last_complete_day, tally_refresh
from oversight.models import ConcernTally, ConcernTallyMark
from tests.support.dashboard_queries import SCHOOL_QUERIES, TRUST_QUERIES
from tests.support.factories import PupilFactory, SchoolFactory, member
from tests.support.figures import (
    LONDON,
    NOW,
    TODAY,
    Fixture,
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


def test_the_last_complete_day() -> None:
    # Friday 20 November at noon: Thursday is over.
    assert last_complete_day(NOW) == datetime.date(2026, 11, 19)
    # Just after midnight a concern signed at 23:59 may still be committing: wait an hour.
    monday = datetime.datetime(2026, 11, 23, 0, 30, tzinfo=LONDON)
    assert last_complete_day(monday) == datetime.date(2026, 11, 21)
    assert last_complete_day(monday + datetime.timedelta(hours=1)) == datetime.date(2026, 11, 22)


def test_tallies_count_each_past_day_by_hand(fx: Fixture) -> None:
    seed_school_a(fx)
    seed_gamma(fx)
    assert tally_refresh(now=NOW) > 0
    school = fx.world.school
    rows = {
        (t.dimension, t.key): t.concerns
        for t in ConcernTally.objects.filter(school=school, day=datetime.date(2026, 10, 5))
    }
    cats = fx.cats
    # Monday 5 October: one concern, two pupils (Year 7 bullying; Year 8 bullying and physical).
    assert rows == {
        ("all", ""): 1,
        ("category", str(cats["Bullying"].pk)): 1,
        ("category", str(cats["Abuse"].pk)): 1,
        ("year_group", "Year 7"): 1,
        ("year_group", "Year 8"): 1,
    }
    # Nothing after Thursday 19 November is tallied (the concern of 20 November is read live).
    assert not ConcernTally.objects.filter(day__gt=datetime.date(2026, 11, 19)).exists()
    assert set(ConcernTallyMark.objects.values_list("through", flat=True)) == {
        datetime.date(2026, 11, 19)
    }
    # The draft and the other trust's school's concern of 19 November are in no tally of A.
    assert (
        sum(
            ConcernTally.objects.filter(school=school, dimension="all").values_list(
                "concerns", flat=True
            )
        )
        == 8  # the 9 submitted concerns of A, less 20 November's
    )
    assert tally_refresh(now=NOW) == 0  # idempotent


def test_the_figures_are_the_same_from_the_tallies(fx: Fixture) -> None:
    seed_school_a(fx)
    seed_gamma(fx)
    w = fx.world
    live_school = school_figures(actor=w.users["dsl"], school=w.school, now=NOW)
    live_trust = trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW)
    ranged = school_figures(
        actor=w.users["dsl"],
        school=w.school,
        start=datetime.date(2026, 10, 1),
        end=datetime.date(2026, 11, 30),
        now=NOW,
    )
    tally_refresh(now=NOW)
    assert school_figures(actor=w.users["dsl"], school=w.school, now=NOW) == live_school
    assert trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW) == live_trust
    assert (
        school_figures(
            actor=w.users["dsl"],
            school=w.school,
            start=datetime.date(2026, 10, 1),
            end=datetime.date(2026, 11, 30),
            now=NOW,
        )
        == ranged
    )


def test_outliers_are_the_same_from_the_tallies(fx: Fixture) -> None:
    w = fx.world
    online = fx.cats["Online safety"]
    for n in range(1, 7):
        bulk_concerns(
            w.school,
            w.users["staff"],
            w.pupil,
            online,
            TODAY - datetime.timedelta(days=28 * n),
            2 + n % 2,
        )
    bulk_concerns(
        w.school, w.users["staff"], w.pupil, online, TODAY - datetime.timedelta(days=3), 10
    )
    before = trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW)
    assert {o.kind for o in before.outliers} == {"school", "category", "school_category"}
    tally_refresh(now=NOW)
    assert trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW) == before


def test_a_new_school_without_tallies_is_read_live(fx: Fixture) -> None:
    seed_school_a(fx)
    tally_refresh(now=NOW)
    w = fx.world
    late = SchoolFactory(trust=w.school.trust, name="Late School", slug="late")
    bulk_concerns(
        late, member(late, "staff"), PupilFactory(school=late), fx.cats["Bullying"], TODAY, 2
    )
    t = trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW)
    assert [(s.school_name, s.concerns) for s in t.schools] == [
        ("Alpha School", 5),
        ("Gamma School", 0),
        ("Late School", 2),
    ]


SCHOOL_QUERIES_TALLIED = 13  # as without tallies, and one reading the tallies
TRUST_QUERIES_TALLIED = 18


def test_query_counts_with_tallies(fx: Fixture) -> None:
    from safeguard.access import forget_access

    w = fx.world
    seed_school_a(fx)
    seed_gamma(fx)
    tally_refresh(now=NOW)

    def school() -> None:
        forget_access(w.users["dsl"])
        school_figures(actor=w.users["dsl"], school=w.school, now=NOW)

    def trust() -> None:
        forget_access(w.users["tso"])
        trust_figures(actor=w.users["tso"], trust=w.school.trust, now=NOW)

    assert count_queries(school) == SCHOOL_QUERIES_TALLIED
    assert count_queries(trust) == TRUST_QUERIES_TALLIED


def test_the_nightly_task_tallies_every_school(fx: Fixture) -> None:
    from django.conf import settings

    from oversight.tasks import tally_refresh_task

    entry = settings.CELERY_BEAT_SCHEDULE["tally-dashboard-weeks-nightly"]
    assert entry["task"] == tally_refresh_task.name == "oversight.tally_refresh"
    seed_school_a(fx)
    assert tally_refresh_task() > 0
    schools = {fx.world.school.pk, fx.world.other_school.pk, fx.gamma.pk}
    assert set(ConcernTallyMark.objects.values_list("school_id", flat=True)) == schools


def test_the_sums_of_tallies_are_read_once_until_a_refresh_moves_the_mark(fx: Fixture) -> None:
    """ADR 0036: a sum of past days' tallies is kept (the days never change) and read again only
    once a refresh has written new tallies, which moves a mark and so the key."""
    from django.core.cache import caches

    from safeguard.access import forget_access

    w = fx.world
    seed_school_a(fx)
    seed_gamma(fx)
    tally_refresh(now=NOW)
    tso = w.users["tso"]

    def trust(now: datetime.datetime) -> Any:
        forget_access(tso)
        return trust_figures(actor=tso, trust=w.school.trust, now=now)

    first = trust(NOW)
    assert count_queries(lambda: trust(NOW)) == TRUST_QUERIES_TALLIED - 2  # periods and weeks
    assert trust(NOW) == first
    # The next day, the refresh tallies 20 November (its concern was read live until now): the
    # figures are read from the tallies again, and are those read with nothing kept.
    tomorrow = NOW + datetime.timedelta(days=1)
    tally_refresh(now=tomorrow)
    assert count_queries(lambda: trust(tomorrow)) == TRUST_QUERIES_TALLIED
    kept = trust(tomorrow)
    caches["figures"].clear()
    assert trust(tomorrow) == kept
    assert [s.concerns for s in kept.schools] == [s.concerns for s in first.schools]


def test_the_times_to_open_are_kept_until_the_school_s_concerns_change(fx: Fixture) -> None:
    """ADR 0036: each school's times to open are kept once its concerns have been still for a
    minute, and read again once one of them is signed or opened."""
    from django.core.cache import caches
    from django.utils import timezone

    from concerns.models import Concern
    from concerns.services.triage import concern_open
    from safeguard.access import forget_access

    w = fx.world
    seed_school_a(fx)
    seed_gamma(fx)
    tso = w.users["tso"]
    still = timezone.now() - datetime.timedelta(hours=2)
    Concern.objects.update(updated_at=still)
    # A school with nothing opened (no row from the query) is kept as that, too; a draft being
    # typed changes no figure and leaves its school still.
    SchoolFactory(trust=w.school.trust, name="Quiet School", slug="quiet")
    draft = Concern.objects.filter(school=w.school, status="draft").get()
    Concern.objects.filter(pk=draft.pk).update(updated_at=timezone.now())

    def trust() -> Any:
        forget_access(tso)
        return trust_figures(actor=tso, trust=w.school.trust, now=NOW)

    first = trust()
    assert count_queries(trust) == TRUST_QUERIES - 1  # no percentiles: every school's kept
    assert trust() == first
    # The DSL opens the concern of 18 November: school A's times to open are read again.
    waiting = Concern.objects.get(school=w.school, written_at=at(2026, 11, 18, 12))
    concern_open(actor=w.users["dsl"], concern=waiting)
    assert count_queries(trust) == TRUST_QUERIES
    after = trust()
    a = next(s for s in after.schools if s.school_id == w.school.pk)
    assert a.opened == next(s for s in first.schools if s.school_id == w.school.pk).opened + 1
    caches["figures"].clear()
    assert trust() == after
    # Just opened, school A is not kept yet (a change may still be committing): read each time.
    assert count_queries(trust) == TRUST_QUERIES


def test_a_school_s_breakdown_is_kept_until_its_concerns_or_pupils_change(fx: Fixture) -> None:
    """ADR 0036: the school dashboard's breakdown by pupil characteristic is kept once the
    school's concerns and pupils have been still for a minute, and read again after a change."""
    from django.core.cache import caches
    from django.utils import timezone

    from concerns.models import Concern
    from safeguard.access import forget_access
    from schools.models import Pupil

    w = fx.world
    seed_school_a(fx)
    dsl = w.users["dsl"]
    still = timezone.now() - datetime.timedelta(hours=2)
    Concern.objects.update(updated_at=still)
    Pupil.objects.update(updated_at=still)

    def school() -> Any:
        forget_access(dsl)
        return school_figures(actor=dsl, school=w.school, now=NOW, breakdown=True)[2]

    first = school()
    cold = SCHOOL_QUERIES + 2 + 2  # the breakdown 2, the latest changes 2
    assert count_queries(school) == cold - 2
    assert school() == first
    # The DSL records a pupil named this term as eligible for free school meals.
    named = w.pupil
    Pupil.objects.filter(pk=named.pk).update(
        fsm_eligible=not named.fsm_eligible, updated_at=timezone.now()
    )
    assert count_queries(school) == cold
    after = school()
    assert after.by_pupil_group != first.by_pupil_group
    caches["figures"].clear()
    assert school() == after
