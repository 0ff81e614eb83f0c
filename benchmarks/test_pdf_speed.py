"""Benchmark (not part of `make test`): the CP-file PDF of a pupil with 500 chronology entries and
50 concerns (each with Part 2, an addendum and an action; a referral, plans, a risk assessment, a
missing episode), well over 100 pages. Run with `make bench`.

Render time is measured in this process (gathering the records included). Peak memory is the
peak resident memory of a child process that lays out and writes the same HTML
(`getrusage(RUSAGE_CHILDREN).ru_maxrss`): it counts what Pango and the PDF writer hold outside
Python's heap, which tracemalloc would miss (and tracemalloc slows the render threefold).
"""

from __future__ import annotations

import os
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

from chronology.models import ChronologyEntry
from tests.support.records.cp_file import add_calls, full_file, seed_categories
from tests.support.world import World
from transfers.export.gather import cp_records_for_export
from transfers.export.pdf import _attachments, cp_file_html, cp_file_pdf

ENTRIES = 500
CONCERNS = 50
MAX_SECONDS = 60  # the issue: "a file of 100 pages finishes well within a minute"
MAX_PEAK_MB = 1500  # generous: the worker's memory for one render

CHILD = """
import pickle, resource, sys, time
import django
django.setup()
from weasyprint import HTML
from transfers.export.pdf import LocalOnlyFetcher
html = open(sys.argv[1], encoding="utf-8").read()
images = pickle.load(open(sys.argv[2], "rb"))
start = time.perf_counter()
document = HTML(string=html, url_fetcher=LocalOnlyFetcher(images=images)).render()
data = document.write_pdf()
print(len(document.pages), round(time.perf_counter() - start, 2), len(data))
"""


def _child_peak(world: World, folder: Path) -> tuple[float, str]:
    """Lay out and write the same HTML in a fresh process: its peak RSS in MB, and its report."""
    records = cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil)
    items, images = _attachments(records)
    html = cp_file_html(records=records, receiving_school="Southend Bay Academy", attachments=items)
    (folder / "file.html").write_text(html, encoding="utf-8")
    (folder / "images.pickle").write_bytes(pickle.dumps(images))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", CHILD, str(folder / "file.html"), str(folder / "images.pickle")],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far; earlier children were smaller.
    assert peak_kb >= before
    return peak_kb / 1024, done.stdout.strip()


def test_the_pdf_of_a_pupil_with_500_entries_and_50_concerns(world: World, tmp_path: Path) -> None:
    categories = seed_categories(world)
    start = time.perf_counter()
    full_file(world, categories, concerns=CONCERNS, entries=0)
    add_calls(
        world, world.pupil, ENTRIES - ChronologyEntry.objects.filter(pupil=world.pupil).count()
    )
    assert ChronologyEntry.objects.filter(pupil=world.pupil).count() == ENTRIES
    written = time.perf_counter() - start

    start = time.perf_counter()
    pdf = cp_file_pdf(
        actor=world.users["dsl"], pupil=world.pupil, receiving_school="Southend Bay Academy"
    )
    elapsed = time.perf_counter() - start
    child_peak_mb, child_report = _child_peak(world, tmp_path)
    child_pages, child_seconds, _size = child_report.split()

    print(
        f"\nCP-file PDF, {ENTRIES} chronology entries and {CONCERNS} concerns "
        f"(records written in {written:.0f} s): {pdf.pages} pages, {len(pdf.data) / 1024:.0f} KB, "
        f"rendered in {elapsed:.1f} s (gathering included; {elapsed / pdf.pages * 1000:.0f} ms "
        f"a page); peak RSS of a process rendering it {child_peak_mb:.0f} MB "
        f"({child_pages} pages in {child_seconds} s)"
    )
    assert pdf.pages >= 100
    assert int(child_pages) == pdf.pages
    assert elapsed < MAX_SECONDS
    assert child_peak_mb < MAX_PEAK_MB
