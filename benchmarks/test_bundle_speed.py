"""Benchmark (not part of `make test`): the open bundle of a pupil with 500 chronology entries and
50 concerns (each with Part 2, an addendum and an action, some with photos; a referral, plans, a
risk assessment, a missing episode). Run with `make bench`.

Times building the JSON (gathering the records included), packaging the zip (reading the
attachments, hashing, signing the manifest) and opening it again with every check, and reports
the sizes and the Python heap's peak while opening.
"""

from __future__ import annotations

import time
import tracemalloc

from chronology.models import ChronologyEntry
from tests.support.records.cp_file import add_calls, full_file, seed_categories
from tests.support.world import World
from transfers.export.bundle import bundle_build, bundle_open, bundle_package
from transfers.signing.keys import pdf_sign

ENTRIES = 500
CONCERNS = 50
MAX_SECONDS = 10  # each step; a DSL waits for the export in the page


def test_the_bundle_of_a_pupil_with_500_entries_and_50_concerns(world: World) -> None:
    from weasyprint import HTML

    categories = seed_categories(world)
    full_file(world, categories, concerns=CONCERNS, entries=0)
    add_calls(
        world, world.pupil, ENTRIES - ChronologyEntry.objects.filter(pupil=world.pupil).count()
    )
    pdf = pdf_sign(
        school=world.school, pdf=HTML(string="<p>CONFIDENTIAL</p>").write_pdf(), reason="Bench"
    )

    start = time.perf_counter()
    bundle = bundle_build(actor=world.users["dsl"], pupil=world.pupil)
    built = time.perf_counter() - start
    start = time.perf_counter()
    zipped = bundle_package(school=world.school, bundle=bundle, pdf=pdf)
    packaged = time.perf_counter() - start
    start = time.perf_counter()
    opened = bundle_open(zipped)
    checked = time.perf_counter() - start
    tracemalloc.start()  # a second opening, for memory (tracing slows it down)
    bundle_open(zipped)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    attachments = sum(len(c["attachments"]) for c in bundle["concerns"])
    print(
        f"\nCP-file bundle, {len(bundle['chronology'])} chronology entries, "
        f"{len(bundle['concerns'])} concerns, {attachments} attachments: zip "
        f"{len(zipped) / 1024:.0f} KB; built in {built:.2f} s, packaged (signed) in "
        f"{packaged:.2f} s, opened and checked in {checked:.2f} s "
        f"(Python heap peak {peak / 1024 / 1024:.0f} MB)"
    )
    assert len(opened.bundle["chronology"]) == ENTRIES
    assert len(opened.bundle["concerns"]) == CONCERNS
    assert max(built, packaged, checked) < MAX_SECONDS
