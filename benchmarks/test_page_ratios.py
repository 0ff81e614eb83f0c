"""Benchmark (not part of `make test`): every page on the benchmark trust as a ratio to two floors
measured in the same run (issue 18), and the CP-file PDF against a plain WeasyPrint table.

Run with `make bench`. Seeds the benchmark trust with `manage.py seed_oversight_benchmark` (COPY;
about seven minutes for 50 schools and 1,000,000 concerns; `BENCH_CONCERNS` and `BENCH_SCHOOLS`
set a smaller size for a quick look), gives one pupil of the first school 2,000 chronology entries,
then times each page's server time through Django's test client (`client.get`: the middleware,
the view, its queries and the template; no network, no browser), RUNS times, round-robin: each
round asks every page and both floors once, so a moment of load elsewhere on the machine falls
on all of them alike.

The floors:

- bare: the keep-alive route (`account-keep-alive`, 204), a signed-in request through every
  middleware (session, second factor, tenancy, audit) with no query of its own and no template;
- layout: `base.html` with an empty body, rendered by `layout_floor` below through the same
  middleware and context processors, for the same DSL. It is mounted only here, by
  `override_settings(ROOT_URLCONF=__name__)`: this module's `urlpatterns` are that one view plus
  the real URLconf, so no production route is added, and every page is reached by its real URL.

Each page's ratio is its median over the layout floor's median (and the bare floor's). A list
page added later belongs in `pages` below, with the person who uses it. The goals of
issue 18 (every page at most 5x the layout floor, the trust dashboard 10x, p95 under twice the
median, the CP-file PDF at most 1.2x the plain table) are written below as constants and asserted
after the report is printed, every miss named.

The CP-file PDF: one pupil's (of the benchmark trust, with a CP file and the most concerns) through
`cp_file_pdf`, and a plain WeasyPrint table of the same text (every text node of the CP file's HTML,
one row each) at the same page count (the rows' padding is adjusted until the page counts match),
rendered alternately in this process; the ratio of their medians; and each one's peak memory,
measured as tests/support/peak_memory.py does (in a fresh process: the high-water mark of resident
memory, reset just before the render, less the resident size then).

Before the fixes (one quiet run, 50 schools, 1,000,000 concerns, seeded in 259 s; 20 rounds;
PostgreSQL 15, 2 cores; 6 min 36 s in all), server time through the test client:

| page | median ms | p95 ms | ratio to layout floor | ratio to bare floor |
| --- | --- | --- | --- | --- |
| floor: bare (keep-alive, 204) | 3.6 | 4.3 | 0.3x | 1.0x |
| floor: layout (base.html, empty body) | 12.4 | 14.6 | 1.0x | 3.4x |
| home | 121.4 | 179.9 | 9.8x | 33.4x |
| concern form start | 11.8 | 22.8 | 1.0x | 3.2x |
| a concern page | 43.6 | 73.9 | 3.5x | 12.0x |
| chronology of 2,000 entries | 41.7 | 48.9 | 3.4x | 11.5x |
| school dashboard | 76.3 | 90.6 | 6.2x | 21.0x |
| pupil safeguarding page (54 concerns) | 156.9 | 226.5 | 12.6x | 43.2x |
| trust dashboard (TSO, 50 schools) | 404.9 | 560.9 | 32.6x | 111.4x |
| triage inbox (22,061 concerns) | 379.1 | 393.0 | 30.6x | 104.4x |
| referral list | 434.4 | 583.0 | 35.0x | 119.6x |
| My concerns (1,116 written) | 139.4 | 295.0 | 11.2x | 38.4x |
| transfer list | 22.1 | 24.3 | 1.8x | 6.1x |
| incoming list | 16.0 | 18.6 | 1.3x | 4.4x |
| retention list | 15.9 | 19.3 | 1.3x | 4.4x |
| missing list | 16.8 | 21.4 | 1.4x | 4.6x |
| API client list | 15.7 | 18.1 | 1.3x | 4.3x |

(The referral list is the first school's, about 1,600 referrals. The benchmark trust has no
transfers, missing episodes or API clients, so the transfer, incoming, retention, missing and API
client lists measure each page's frame and its queries over empty tables. Home is the DSL's,
with the school's referral counts on it.)

CP-file PDF of one pupil (48 concerns; 104 pages, 3,250 text rows): median 5,554 ms (gathering
included) against a plain WeasyPrint table of the same text on 104 pages 5,339 ms: 1.04x (goal at
most 1.2x); peak memory of a process rendering it: CP file +159 MB, plain table +127 MB.

A second run ten minutes later, with other work on the machine, gave the same floors (3.2 and
12.2 ms) but the slow pages 10-65% slower (trust dashboard 664 ms, referral list 600 ms, inbox
417 ms, safeguarding page 191 ms; the PDF 1.06x): compare the ratios of one quiet run only.

The list pages after the API client list were added later (issue 18: the drill-down, the roll,
staff, the access logs, notifications, QA and every other list a DSL, a member of staff or the
TSO reads). Measured one by one on the seeded trust before this run had them (the profiler's
median of 15, same machine), the ones over the goal were: the TSO's QA overview 237 -> 39 ms,
My actions of a DSL with 5,416 actions 281 -> 60 ms (42 ms with its index), a drill-down by
category over a school year 408 -> 57 ms; every other one was 10 to 47 ms before and after.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.test import Client, override_settings
from django.urls import include, path, reverse
from django.utils import timezone

from benchmarks.chain import note_entry
from chronology.models import GENESIS_HASH, ChainHead, ChronologyEntry, CpFile
from concerns.models import Action, Concern, ConcernPupil
from demo.benchmark import TRUST_SLUG, TSO_EMAIL
from oversight.dashboards.drilldown.links import Show, drilldown_url
from oversight.dashboards.figures import term_of
from schools.models import Pupil, School, User
from schools.services import user_permissions_sync
from tests.support.auth import force_login_with_second_factor

CONCERNS = int(os.environ.get("BENCH_CONCERNS", "1000000"))
SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "50"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))
CHRONOLOGY = 2000
PDF_RUNS = 3
ROOT = Path(__file__).resolve().parents[1]

# The goals of issue 18, asserted at the end.
LAYOUT_RATIO_GOAL = 5.0
TRUST_DASHBOARD_RATIO_GOAL = 10.0
P95_OVER_MEDIAN_GOAL = 2.0
PDF_RATIO_GOAL = 1.2


def layout_floor(request: HttpRequest) -> HttpResponse:
    """The base layout with an empty body: the floor every page stands on."""
    return render(request, "base.html", {})


urlpatterns = [
    path("__bench__/layout/", layout_floor, name="bench-layout-floor"),
    path("", include("safeguard.urls")),
]


def _chronology(school: School, pupil: Pupil, author: User, count: int) -> None:
    """`count` correctly chained entries for one pupil, after the school's chain so far (in bulk,
    as the service would write them one by one)."""
    head = ChainHead.objects.filter(school=school).first()
    sequence = head.last_sequence if head else 0
    previous = head.last_hash if head else GENESIS_HASH
    now = timezone.now()
    batch = []
    for n in range(1, count + 1):
        entry = note_entry(
            school=school,
            pupil_id=pupil.pk,
            sequence=sequence + n,
            occurred_at=now - datetime.timedelta(hours=count - n),
            author=author,
            recorded_at=now,
            previous=previous,
        )
        previous = entry.entry_hash
        batch.append(entry)
    ChronologyEntry.objects.bulk_create(batch, batch_size=1000)
    ChainHead.objects.update_or_create(
        school=school, defaults={"last_sequence": sequence + count, "last_hash": previous}
    )


def _client(user: User) -> Client:
    client = Client()
    force_login_with_second_factor(client, user)
    return client


def _search(client: Client, **data: str) -> str:
    """The URL of a search's page: its post answers with a redirect to it (docs/adr/0033)."""
    response = client.post(reverse("record-search"), data)
    assert response.status_code == 302, response.status_code
    return str(response["Location"])


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18]


class _Text(HTMLParser):
    """Every text node of a document's body, in order (the plain table's rows)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("style", "script", "head"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.rows.append(text)


def _plain_html(rows: list[str], padding_mm: float) -> str:
    from django.utils.html import escape

    cells = "".join(f"<tr><td>{escape(row)}</td></tr>" for row in rows)
    return (
        '<html lang="en"><head><style>@page { size: A4; margin: 20mm } '
        f"body {{ font-family: sans-serif; font-size: 10pt }} td {{ padding: {padding_mm:.2f}mm 2mm; border-bottom: 0.5pt solid "
        f"#ccc }} table {{ border-collapse: collapse; width: 100% }}</style></head><body><table>"
        f"{cells}</table></body></html>"
    )


def _plain_to_pages(rows: list[str], pages: int) -> tuple[str, int]:
    """The plain table's HTML with its rows padded so it lays out on `pages` pages (or as near as
    a few tries get)."""
    from weasyprint import HTML

    low, high, padding = 0.0, 20.0, 1.0
    html = _plain_html(rows, padding)
    laid = len(HTML(string=html).render().pages)
    for _ in range(12):
        if laid == pages:
            break
        if laid < pages:
            low = padding
        else:
            high = padding
        padding = (low + high) / 2
        html = _plain_html(rows, padding)
        laid = len(HTML(string=html).render().pages)
    return html, laid


CHILD = """
import gc, json, pickle, sys
from pathlib import Path
import django
django.setup()
from weasyprint import HTML
from tests.support.peak_memory import _reset_peak, _status_kb
from transfers.export.pdf import LocalOnlyFetcher
html = Path(sys.argv[1]).read_text(encoding="utf-8")
images = pickle.loads(Path(sys.argv[2]).read_bytes())
HTML(string="<p>warm</p>").write_pdf()
gc.collect()
before = _reset_peak()
document = HTML(string=html, url_fetcher=LocalOnlyFetcher(images=images)).render()
document.write_pdf(pdf_tags=True)
print(json.dumps({"pages": len(document.pages), "growth_mb": (_status_kb("VmHWM") - before) / 1024}))
"""


def _peak_growth(html_path: Path, images: dict[str, Any]) -> dict[str, Any]:
    """Lay out and write the HTML in a fresh process: how far its peak resident memory grew."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "safeguard.settings.test"}
    images_path = html_path.with_suffix(".pickle")
    images_path.write_bytes(pickle.dumps(images))
    done = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "-c", CHILD, str(html_path), str(images_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.django_db(transaction=True)
def test_every_page_as_a_ratio_to_the_floors(tmp_path: Path) -> None:
    start = time.perf_counter()
    call_command("seed_oversight_benchmark", schools=SCHOOLS, concerns=CONCERNS)
    seeded = time.perf_counter() - start

    tso = User.objects.get(email=TSO_EMAIL)
    school = School.objects.filter(trust__slug=TRUST_SLUG).order_by("slug").first()
    assert school is not None
    dsl = User.objects.get(email=f"dsl@{school.slug}.example")
    staff = User.objects.get(email=f"staff0@{school.slug}.example")
    # The seeder writes memberships in bulk, without their guardian rows (only the TSO's are
    # granted): derive them for the two people who sign in here, as the service does.
    user_permissions_sync(user=dsl)
    user_permissions_sync(user=staff)
    busiest = (
        Pupil.objects.filter(school=school)
        .annotate(n=Count("involvements"))
        .order_by("-n", "pk")
        .first()
    )
    assert busiest is not None
    _chronology(school, busiest, dsl, CHRONOLOGY)
    concern = (
        Concern.objects.filter(school=school, restricted=False, status="received")
        .order_by("-written_at")
        .first()
    ) or Concern.objects.filter(school=school, restricted=False).order_by("-written_at").first()
    assert concern is not None
    in_school = Concern.objects.filter(school=school).count()
    mine = Concern.objects.filter(school=school, author=staff).count()
    term_start, term_end = term_of(timezone.localdate()).bounds()
    term_concerns = (
        Concern.objects.filter(school=school, written_at__gte=term_start, written_at__lt=term_end)
        .exclude(status="draft")
        .count()
    )
    actions = Action.objects.filter(school=school, owner=dsl).count()
    concern_pupils = ConcernPupil.objects.filter(pupil=busiest).count()

    as_dsl, as_staff, as_tso = _client(dsl), _client(staff), _client(tso)
    pupil = busiest.pk
    pages: list[tuple[str, Client, str]] = [
        ("home", as_dsl, reverse("home")),
        ("concern form start", as_staff, reverse("concern-start")),
        ("a concern page", as_dsl, reverse("concern-detail", kwargs={"pk": concern.pk})),
        (
            f"chronology of {CHRONOLOGY:,} entries",
            as_dsl,
            reverse("pupil-chronology", kwargs={"pk": pupil}),
        ),
        ("school dashboard", as_dsl, reverse("school-dashboard")),
        (
            f"pupil safeguarding page ({concern_pupils} concerns)",
            as_dsl,
            reverse("pupil-safeguarding", kwargs={"pk": pupil}),
        ),
        (f"trust dashboard (TSO, {SCHOOLS} schools)", as_tso, reverse("trust-dashboard")),
        (f"triage inbox ({in_school:,} concerns)", as_dsl, reverse("triage-inbox")),
        ("referral list", as_dsl, reverse("referral-list")),
        (f"My concerns ({mine:,} written)", as_staff, reverse("concern-mine")),
        ("transfer list", as_dsl, reverse("transfer-list")),
        ("incoming list", as_dsl, reverse("incoming-list")),
        ("retention list", as_dsl, reverse("retention-list")),
        ("missing list", as_dsl, reverse("missing-list")),
        ("API client list", as_dsl, reverse("api-client-list")),
        # The other list pages a DSL, a member of staff or the TSO reads (issue 18).
        (
            f"drill-down: concerns this term (TSO, {term_concerns:,})",
            as_tso,
            drilldown_url(school_id=school.pk),
        ),
        (
            "drill-down: overdue referrals (TSO)",
            as_tso,
            drilldown_url(school_id=school.pk, show=Show.REFERRALS_OVERDUE),
        ),
        ("pupil list (the roll)", as_dsl, reverse("pupil-list")),
        ("staff list", as_dsl, reverse("staff-list")),
        ("staff history", as_dsl, reverse("staff-history")),
        ("roles waiting for confirmation", as_dsl, reverse("role-request-list")),
        ("trust staff list (TSO)", as_tso, reverse("trust-staff-list")),
        ("a pupil's access log", as_dsl, reverse("pupil-access-log", kwargs={"pk": pupil})),
        ("platform administration log", as_dsl, reverse("platform-admin-event-list")),
        ("notification centre", as_dsl, reverse("notification-list")),
        ("QA overview (TSO)", as_tso, reverse("qa-overview")),
        ("QA feedback list (school)", as_dsl, reverse("qa-school-list")),
        (f"My actions ({actions:,} owned)", as_dsl, reverse("action-list")),
        ("missing from education list", as_dsl, reverse("absence-list")),
        ("allegations list (TSO)", as_tso, reverse("allegation-list")),
        ("low-level concerns list (TSO)", as_tso, reverse("low-level-concern-list")),
        ("key roles", as_dsl, reverse("school-key-roles")),
        ("who to call", as_staff, reverse("who-to-call")),
        ("a pupil's family contacts", as_dsl, reverse("family-contacts", kwargs={"pk": pupil})),
        ("agency list (TSO)", as_tso, reverse("agency-list")),
        ("category list (TSO)", as_tso, reverse("category-list")),
        ("category history (TSO)", as_tso, reverse("category-history")),
        ("category requests", as_dsl, reverse("category-request-list")),
        ("roll imports", as_dsl, reverse("roll-import-list")),
        ("signed-in sessions", as_dsl, reverse("account-sessions")),
        # Issue 20. The benchmark trust is seeded by COPY, not through concern_submit, so it has
        # no re-assessment prompts: this measures the list's frame and queries over none.
        ("pupils to re-assess", as_dsl, reverse("reassessment-list")),
        ("re-assessment thresholds (TSO)", as_tso, reverse("reassessment-thresholds")),
        # Searching records (issue 20): the words are posted and kept in the session, so each
        # search's page is the URL its post redirects to (a token for the words).
        ("search records: a common word (home)", as_dsl, _search(as_dsl, q="home")),
        ("search records: a phrase", as_dsl, _search(as_dsl, q='"uncle\'s car"')),
        ("search records: a rare word", as_dsl, _search(as_dsl, q="trampoline")),
        (
            "search records: a word, one pupil",
            as_dsl,
            _search(
                as_dsl, q="bruise", pupil=f"{busiest.legal_first_name} {busiest.legal_last_name}"
            ),
        ),
    ]
    floors: list[tuple[str, Client, str]] = [
        ("floor: bare (keep-alive, 204)", as_dsl, reverse("account-keep-alive")),
        ("floor: layout (base.html, empty body)", as_dsl, "/__bench__/layout/"),
    ]
    everything = floors + pages
    times: dict[str, list[float]] = {name: [] for name, _, _ in everything}
    statuses: dict[str, set[int]] = {name: set() for name, _, _ in everything}

    with override_settings(ROOT_URLCONF=__name__):
        for name, client, url in everything:  # warm: templates, caches, the first connection
            statuses[name].add(client.get(url).status_code)
        # As a gunicorn worker does once it has loaded the product (gunicorn.conf.py,
        # `post_worker_init`): what is loaded is frozen, so a full collection walks only what
        # the requests made (unfrozen, it walked this process's 300,000 objects: 92 to 100 ms,
        # each page's slowest request; ADR 0036).
        gc.collect()
        gc.freeze()
        for _ in range(RUNS):
            for name, client, url in everything:
                begun = time.perf_counter()
                response = client.get(url)
                times[name].append((time.perf_counter() - begun) * 1000)
                statuses[name].add(response.status_code)
        gc.unfreeze()

    assert statuses.pop("floor: bare (keep-alive, 204)") == {204}
    assert statuses == {name: {200} for name in statuses}, statuses
    bare = statistics.median(times[floors[0][0]])
    layout = statistics.median(times[floors[1][0]])
    lines = ["| page | median ms | p95 ms | ratio to layout floor | ratio to bare floor |"]
    lines.append("| --- | --- | --- | --- | --- |")
    for name, _, _ in everything:
        median, p95 = statistics.median(times[name]), _p95(times[name])
        lines.append(
            f"| {name} | {median:.1f} | {p95:.1f} | {median / layout:.1f}x | {median / bare:.1f}x |"
        )

    pdf_lines, pdf_ratio = _pdf_against_plain_table(school, tmp_path)
    print(
        f"\nPages on the benchmark trust ({SCHOOLS} schools, {CONCERNS:,} concerns, seeded in "
        f"{seeded:.0f} s; {RUNS} rounds, round-robin), server time through the test client, "
        f"PostgreSQL {connection.pg_version // 10000}:\n" + "\n".join(lines + [""] + pdf_lines)
    )

    # The goals of issue 18, all checked before any fails, so the report names every miss.
    missed = []
    for name, _, _ in pages:
        median, p95 = statistics.median(times[name]), _p95(times[name])
        goal = (
            TRUST_DASHBOARD_RATIO_GOAL if name.startswith("trust dashboard") else LAYOUT_RATIO_GOAL
        )
        if median / layout > goal:
            missed.append(f"{name}: {median / layout:.1f}x the layout floor (goal {goal}x)")
        if p95 >= P95_OVER_MEDIAN_GOAL * median:
            missed.append(f"{name}: p95 {p95:.0f} ms, median {median:.0f} ms")
    if pdf_ratio > PDF_RATIO_GOAL:
        missed.append(f"the CP-file PDF: {pdf_ratio:.2f}x the plain table (goal {PDF_RATIO_GOAL}x)")
    assert not missed, "\n".join(missed)


def _pdf_against_plain_table(school: School, folder: Path) -> tuple[list[str], float]:
    """The CP-file PDF of a pupil with a CP file, against a plain table of its text: the lines of
    the report (times, ratio, pages, peak memory)."""
    from weasyprint import HTML

    from transfers.export.gather import cp_records_for_export
    from transfers.export.pdf import _attachments, cp_file_html, cp_file_pdf

    dsl = User.objects.get(email=f"dsl@{school.slug}.example")
    with_file = CpFile.objects.filter(school=school).values("pupil")
    pupil = (
        Pupil.objects.filter(school=school, pk__in=with_file)
        .annotate(n=Count("involvements"))
        .order_by("-n", "pk")
        .first()
    )
    assert pupil is not None
    records = cp_records_for_export(actor=dsl, pupil=pupil)
    items, images = _attachments(records)
    html = cp_file_html(records=records, receiving_school="Southend Bay Academy", attachments=items)
    parser = _Text()
    parser.feed(html)
    first = cp_file_pdf(actor=dsl, pupil=pupil, receiving_school="Southend Bay Academy")
    plain, plain_pages = _plain_to_pages(parser.rows, first.pages)

    cp_times, plain_times = [], []
    for _ in range(PDF_RUNS):  # alternately, so both meet the same moment of the machine
        begun = time.perf_counter()
        rendered = cp_file_pdf(actor=dsl, pupil=pupil, receiving_school="Southend Bay Academy")
        cp_times.append(time.perf_counter() - begun)
        begun = time.perf_counter()
        document = HTML(string=plain).render()
        document.write_pdf(pdf_tags=True)
        plain_times.append(time.perf_counter() - begun)
    assert rendered.pages == first.pages
    (folder / "cp.html").write_text(html, encoding="utf-8")
    (folder / "plain.html").write_text(plain, encoding="utf-8")
    cp_peak = _peak_growth(folder / "cp.html", images)
    plain_peak = _peak_growth(folder / "plain.html", {})
    cp, flat = statistics.median(cp_times), statistics.median(plain_times)
    return [
        f"CP-file PDF of one pupil ({len(records.concerns)} concerns; {first.pages} pages, {len(parser.rows):,} text rows): median "
        f"{cp * 1000:.0f} ms (gathering included) against a plain WeasyPrint table of the same "
        f"text on {plain_pages} pages {flat * 1000:.0f} ms: {cp / flat:.2f}x (goal at most "
        f"{PDF_RATIO_GOAL}x); peak memory of a process rendering it: CP file +"
        f"{cp_peak['growth_mb']:.0f} MB ({cp_peak['pages']} pages), plain table +{plain_peak['growth_mb']:.0f} MB",
    ], cp / flat
