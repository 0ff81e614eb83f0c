"""A date-only event (a risk-assessment review, a plan starting) sits at the end of its day in
every sorted timeline: after the timed records of that day, which it follows (issue 20)."""

from __future__ import annotations

import datetime
import re

from django.urls import reverse
from django.utils import timezone

from chronology import services
from chronology.models import ChronologyEntry, EntryKind, StatusKind
from chronology.selectors import chronology_for
from tests.support.world import World


def _morning_and_afternoon(world: World) -> tuple[ChronologyEntry, object]:
    """A note at 14:30 today (after 09:00, where date-only events used to sit), then a risk
    assessment written now and reviewed today (date only)."""
    dsl = world.users["dsl"]
    today = timezone.localdate()
    afternoon = timezone.make_aware(datetime.datetime.combine(today, datetime.time(14, 30)))
    afternoon = min(afternoon, timezone.now())  # never in the future
    note = services.chronology_add_entry(
        actor=dsl,
        pupil=world.pupil,
        kind=EntryKind.NOTE,
        occurred_at=afternoon,
        details="Timed note of the afternoon",
    )
    assessment = services.risk_assessment_create(
        actor=dsl,
        school=world.school,
        pupils=[world.pupil],
        title="Plan",
        risks="r",
        measures="m",
        review_date=today,
    )
    services.risk_assessment_review(
        actor=dsl,
        assessment=assessment,
        reviewed_on=today,
        notes="Reviewed after the afternoon's note",
        outcome="close",
    )
    return note, assessment


def test_a_date_only_review_sorts_after_the_timed_records_of_its_day(world: World) -> None:
    _morning_and_afternoon(world)
    oldest_first = [
        e.kind
        for e in chronology_for(actor=world.users["dsl"], pupil=world.pupil, newest_first=False)
    ]
    assert oldest_first.index(EntryKind.RISK_REVIEW) > oldest_first.index(EntryKind.NOTE)
    assert oldest_first.index(EntryKind.RISK_REVIEW) > oldest_first.index(EntryKind.RISK_ASSESSMENT)
    newest_first = [e.kind for e in chronology_for(actor=world.users["dsl"], pupil=world.pupil)]
    assert newest_first[0] == EntryKind.RISK_REVIEW
    assert newest_first == oldest_first[::-1]


def test_a_date_only_status_sorts_after_the_days_timed_records_and_before_the_next_day(
    world: World,
) -> None:
    dsl = world.users["dsl"]
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    late = timezone.make_aware(datetime.datetime.combine(yesterday, datetime.time(17, 0)))
    services.chronology_add_entry(
        actor=dsl, pupil=world.pupil, kind=EntryKind.PHONE_CALL, occurred_at=late, details="Call"
    )
    services.status_add(
        actor=dsl, pupil=world.pupil, kind=StatusKind.CHILD_IN_NEED, start_date=yesterday
    )
    early_today = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(0, 5))
    )
    services.chronology_add_entry(
        actor=dsl,
        pupil=world.pupil,
        kind=EntryKind.NOTE,
        occurred_at=min(early_today, timezone.now()),
        details="Note",
    )
    kinds = [e.kind for e in chronology_for(actor=dsl, pupil=world.pupil, newest_first=False)]
    assert kinds == [EntryKind.PHONE_CALL, EntryKind.STATUS_STARTED, EntryKind.NOTE]


def test_the_page_print_and_pupil_page_show_the_review_after_the_note(client, world: World) -> None:
    _morning_and_afternoon(world)
    client.force_login(world.users["dsl"])
    pages = {
        "chronology": reverse("pupil-chronology", kwargs={"pk": world.pupil.pk}),
        "print": reverse("pupil-chronology-print", kwargs={"pk": world.pupil.pk}),
        "safeguarding": reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk}),
    }
    for name, url in pages.items():
        page = client.get(url).content.decode()
        note = page.index("Timed note of the afternoon")
        review = page.index("Reviewed after the afternoon")
        if name == "print":  # oldest first
            assert note < review, name
        else:  # newest first
            assert review < note, name
        # A date-only event shows no made-up time.
        row = page[review - 1500 : review]
        assert "09:00" not in row, name
        assert re.search(r"[Dd]ate only", page), name


def test_the_cp_file_pdf_records_follow_the_same_order(world: World) -> None:
    from transfers.export.gather import cp_records_for_export

    _morning_and_afternoon(world)
    records = cp_records_for_export(actor=world.users["dsl"], pupil=world.pupil)
    kinds = [e.kind for e in records.chronology]
    assert kinds.index(EntryKind.RISK_REVIEW) > kinds.index(EntryKind.NOTE)
