"""Benchmark (not part of `make test`): searching records on the benchmark trust's biggest
school (issue 20, docs/adr/0042), through the full stack, with each query's plan.

Run with `make bench` (or this file alone). Seeds the benchmark trust as
benchmarks/test_page_ratios.py does (`BENCH_CONCERNS`, `BENCH_SCHOOLS` shrink it; an already
seeded database is used as it is), then, as the DSL of the school with the most concerns, times
a page of results (server time through Django's test client: the post's redirect is made once,
the page is asked RUNS times) for: a common word, a phrase, a rare word, a word for one pupil,
a common word with a date range, and two words either of which; and, in the same rounds, the
search page with no search (the floor). Asserts each search's 95th percentile, less the floor's
median, is under GOAL_MS, and prints EXPLAIN ANALYZE of the phrase's and the common word's page
(the GIN indexes in use).
"""

from __future__ import annotations

import datetime
import os
import statistics
import time

from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concerns.models import Concern
from demo.benchmark import TRUST_SLUG
from home.search.selectors import ORDER, Filters, Reader, _union
from schools.models import Pupil, School, User
from schools.services import user_permissions_sync
from tests.support.auth import force_login_with_second_factor

CONCERNS = int(os.environ.get("BENCH_CONCERNS", "1000000"))
SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "50"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
GOAL_MS = 200.0  # the "well under 200 ms": every search's p95, less the floor
FLOOR = "floor: the search page with no search"


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def _explain(sql: str, params: tuple) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_searching_the_biggest_school(db) -> None:
    call_command("seed_oversight_benchmark", schools=SCHOOLS, concerns=CONCERNS)
    biggest = (
        Concern.objects.filter(school__trust__slug=TRUST_SLUG)
        .values("school_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert biggest is not None
    school = School.objects.get(pk=biggest["school_id"])
    dsl = User.objects.get(email=f"dsl@{school.slug}.example")
    user_permissions_sync(user=dsl)
    client = Client()
    force_login_with_second_factor(client, dsl)
    busiest = (
        Pupil.objects.filter(school=school)
        .annotate(n=Count("involvements"))
        .order_by("-n", "pk")
        .first()
    )
    assert busiest is not None
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)
    searches = {
        "common word (home)": {"q": "home"},
        'phrase ("uncle\'s car")': {"q": '"uncle\'s car"'},
        "rare word (trampoline)": {"q": "trampoline"},
        "word and pupil": {
            "q": "bruise",
            "pupil": f"{busiest.legal_first_name} {busiest.legal_last_name}",
        },
        "common word, last year only": {
            "q": "home",
            "since_day": str(year_ago.day),
            "since_month": str(year_ago.month),
            "since_year": str(year_ago.year),
        },
        "two words, either (canal or belt)": {"q": "canal or belt"},
    }
    urls = {}
    for name, data in searches.items():
        response = client.post(reverse("record-search"), data)
        assert response.status_code == 302, (name, response.content[:500])
        urls[name] = response["Location"]
    found = {}
    for name, url in urls.items():  # warm
        body = client.get(url).content.decode()
        found[name] = body.split('data-testid="search-count" role="status">', 1)[1].split("<", 1)[0]
    # The floor, in the same rounds: the search page with no search (the same view, middleware,
    # menu and form), so a busy machine moves both alike.
    urls[FLOOR] = reverse("record-search")
    found[FLOOR] = "-"
    times: dict[str, list[float]] = {name: [] for name in urls}
    for _ in range(RUNS):
        for name, url in urls.items():
            begun = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 200
    concerns = biggest["n"]
    lines = [
        f"\nSearching records, {school.name} ({concerns:,} concerns; {SCHOOLS} schools, "
        f"{CONCERNS:,} concerns in the trust), {RUNS} rounds, server time through the test client:",
        f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)",
        "| search | found | median ms | p95 ms | p95 over the floor's median, ms |",
        "| --- | --- | --- | --- | --- |",
    ]
    floor = statistics.median(times[FLOOR])
    for name in urls:
        lines.append(
            f"| {name} | {found[name]} | {statistics.median(times[name]):.1f} | "
            f"{_p95(times[name]):.1f} | {_p95(times[name]) - floor:.1f} |"
        )
    phrase = Filters(words='"uncle\'s car"')
    reader = Reader.of(dsl, school)
    page = _union(reader=reader, filters=phrase, ranked=True, first=20).order_by(*ORDER)[:20]
    page_sql, page_params = page.query.sql_with_params()
    print("\n".join(lines))
    print("\nEXPLAIN ANALYZE, the phrase's page:\n" + _explain(page_sql, page_params))
    common = Filters(words="home")
    common_sql, common_params = (
        _union(reader=reader, filters=common, ranked=False, first=20)
        .order_by(*ORDER)[:20]
        .query.sql_with_params()
    )
    print(
        "\nEXPLAIN ANALYZE, the common word's page (newest first):\n"
        + _explain(common_sql, common_params)
    )
    # The search's own time: its page's p95 less the floor's median (on a quiet machine the
    # floor is about 15 ms; on this shared one it moves with the load, as the searches do).
    missed = [
        f"{n}: p95 {_p95(t):.0f} ms, {_p95(t) - floor:.0f} ms over the floor"
        for n, t in times.items()
        if _p95(t) - floor >= GOAL_MS
    ]
    assert not missed, "\n".join(missed)
