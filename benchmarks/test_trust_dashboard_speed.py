"""Benchmark (not part of `make test`): the trust dashboard's figures at 50 schools and 1,000,000
concerns on PostgreSQL (issue 8: "well under a second").

Run with `make bench`. Seeds the benchmark trust with `manage.py seed_oversight_benchmark` (COPY;
about seven minutes here, tallies included), then times `trust_figures` for the TSO over the
current term 20 times (its permissions re-read each time, as on a new request) and one school's
figures, then the whole trust dashboard page as the TSO gets it (Django's test client: the
request, the figures, the tables, the charts and the template), and prints p50 and p95.
Then the page with the breakdown by pupil characteristic (issue 14: every benchmark pupil has
characteristics; `?by=sen`), the breakdown alone, and the page narrowed to a group of pupils
(read live, without the tallies: ADR 0026), to pupils with SEN and to White pupils (two thirds
of the roll: the largest group, which took 19 s before the third pass). The page as it opens
must stay under a second at p95; the page with the breakdown and the page narrowed to SEN under
1.5 s at a quiet moment (with four other engineers' tests running they took about 1.1 s and
1.7 s at p95 after the second pass; the third made the narrowed page's p50 about a third
faster, measured only under heavy load, so the limits are not tightened yet: ADR 0026), the
page narrowed to White pupils under 3 s. `BENCH_CONCERNS` sets a smaller size for a quick look.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.test import Client

from demo.benchmark import TRUST_SLUG, TSO_EMAIL
from oversight.dashboards.figures import pupil_breakdown, school_figures, trust_figures
from safeguard.access import forget_access
from schools.models import Trust, User

CONCERNS = int(os.environ.get("BENCH_CONCERNS", "1000000"))
SCHOOLS = 50
RUNS = 20
SLOWER_PAGES = 1.5  # seconds at p95: the pages with the breakdown or narrowed to pupils with SEN
WHITE_PAGE = 3.0  # narrowed to White pupils (two thirds of them)


def _timed(fn: Callable[[], object]) -> tuple[float, float]:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


@pytest.mark.django_db(transaction=True)
def test_trust_dashboard_at_a_million_concerns() -> None:
    start = time.perf_counter()
    call_command("seed_oversight_benchmark", schools=SCHOOLS, concerns=CONCERNS)
    seeded = time.perf_counter() - start
    tso = User.objects.get(email=TSO_EMAIL)
    trust = Trust.objects.get(slug=TRUST_SLUG)
    figures = trust_figures(actor=tso, trust=trust)  # the first run warms the cache
    assert len(figures.schools) == SCHOOLS
    assert sum(s.concerns for s in figures.schools) > CONCERNS // 40

    def trust_view() -> None:
        forget_access(tso)
        trust_figures(actor=tso, trust=trust)

    school = trust.schools.order_by("name").first()
    assert school is not None

    def school_view() -> None:
        forget_access(tso)
        school_figures(actor=tso, school=school)

    client = Client()
    client.force_login(tso)

    def page_view() -> None:
        response = client.get("/trust/dashboard/")
        assert response.status_code == 200

    first = client.get("/trust/dashboard/")  # warms the template cache
    assert first.content.count(b'class="govuk-table__row"') > SCHOOLS
    assert b'data-table="pupils-by-school"' not in first.content  # only when asked for
    assert b'data-table="pupils-by-school"' in client.get("/trust/dashboard/?by=sen").content
    ids = [s.school_id for s in figures.schools]
    breakdown = pupil_breakdown(ids, figures.period)
    assert sum(b["sen-support"].on_roll for b in breakdown.values()) > SCHOOLS

    def breakdown_view() -> None:
        pupil_breakdown(ids, figures.period)

    def breakdown_page_view() -> None:
        response = client.get("/trust/dashboard/?by=sen")
        assert response.status_code == 200

    def narrowed_view() -> None:
        response = client.get("/trust/dashboard/?pupils=sen-any")
        assert response.status_code == 200

    def white_view() -> None:  # two thirds of the pupils: the largest group to narrow to
        response = client.get("/trust/dashboard/?pupils=ethnic-w")
        assert response.status_code == 200

    trust_p50, trust_p95 = _timed(trust_view)
    school_p50, school_p95 = _timed(school_view)
    page_p50, page_p95 = _timed(page_view)
    breakdown_p50, breakdown_p95 = _timed(breakdown_view)
    with_p50, with_p95 = _timed(breakdown_page_view)
    narrowed_p50, narrowed_p95 = _timed(narrowed_view)
    white_p50, white_p95 = _timed(white_view)
    print(
        f"\nTrust dashboard, {SCHOOLS} schools, {CONCERNS:,} concerns (seeded in {seeded:.0f} s):"
        f" trust figures p50 {trust_p50 * 1000:.0f} ms, p95 {trust_p95 * 1000:.0f} ms;"
        f" one school's figures p50 {school_p50 * 1000:.0f} ms, p95 {school_p95 * 1000:.0f} ms;"
        f" the trust dashboard page p50 {page_p50 * 1000:.0f} ms, p95 {page_p95 * 1000:.0f} ms;"
        f" the page with the breakdown by pupil characteristic p50 {with_p50 * 1000:.0f} ms,"
        f" p95 {with_p95 * 1000:.0f} ms, the breakdown alone p50 {breakdown_p50 * 1000:.0f} ms,"
        f" p95 {breakdown_p95 * 1000:.0f} ms; the page narrowed to pupils with SEN"
        f" p50 {narrowed_p50 * 1000:.0f} ms, p95 {narrowed_p95 * 1000:.0f} ms; to White pupils"
        f" p50 {white_p50 * 1000:.0f} ms, p95 {white_p95 * 1000:.0f} ms"
    )
    assert trust_p95 < 1.0
    assert page_p95 < 1.0
    assert with_p95 < SLOWER_PAGES, f"the page with the breakdown: {with_p95 * 1000:.0f} ms at p95"
    assert narrowed_p95 < SLOWER_PAGES, f"the page narrowed to SEN: {narrowed_p95 * 1000:.0f} ms"
    assert white_p95 < WHITE_PAGE, f"the page narrowed to White pupils: {white_p95 * 1000:.0f} ms"
