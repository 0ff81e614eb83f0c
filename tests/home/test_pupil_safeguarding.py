"""The pupil's safeguarding page (`home`): the child's whole record in constant queries."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from chronology import services
from chronology.models import EntryKind
from concerns import services as concern_services
from concerns.missing import absences, episodes
from safeguard.workdays import working_day_on_or_after
from tests.concerns.conftest import draft
from tests.support.world import World


def _entries(world: World, n: int) -> None:
    for i in range(n):
        services.chronology_add_entry(
            actor=world.users["dsl"],
            pupil=world.pupil,
            kind=EntryKind.NOTE,
            occurred_at=timezone.now() - datetime.timedelta(hours=i + 1),
            details=f"Note number {i}",
        )


def test_safeguarding_page_query_count_does_not_grow(
    client, world: World, categories, django_assert_max_num_queries
) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("pupil-safeguarding", kwargs={"pk": world.pupil.pk})
    staff = world.users["staff"]
    concern_services.concern_submit(actor=staff, concern=draft(staff, [world.pupil], categories))
    _missing_and_absent(world, days_ago=200)
    client.get(url)
    # The page gathers the child's whole record (referrals, missing episodes and absences, the
    # transfer, the files received from earlier schools and the file's retention too).
    # 31 with issue 16's second-factor look-up; 33 with issue 20's additions (the history
    # received, the pupil's re-assessment prompt) less the open CP file's second read; 34 allowed.
    with django_assert_max_num_queries(34) as few:
        client.get(url)
    for _ in range(5):
        concern_services.concern_submit(
            actor=staff, concern=draft(staff, [world.pupil], categories)
        )
    _entries(world, 20)
    for days_ago in (150, 100, 50):  # more missing episodes and absences: no query per row
        _missing_and_absent(world, days_ago=days_ago)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("Absent from ") == 4
    assert "4 missing episodes in the last 12 months." in page


def _missing_and_absent(world: World, *, days_ago: int) -> None:
    """A closed missing episode with its steps and an ended absence, `days_ago` days back."""
    dsl = world.users["dsl"]
    since = timezone.now() - datetime.timedelta(days=days_ago)
    episode = episodes.missing_episode_start(
        actor=world.users["staff"], pupil=world.pupil, missing_since=since,
        last_seen_at=since - datetime.timedelta(minutes=20), last_seen_details="Lunch hall",
    )  # fmt: skip
    for step, minutes, values in [
        ("searched", 5, {"notes": "Whole site"}),
        ("parents_told", 10, {"person": "Mother"}),
        ("found", 30, {"person": "Caretaker", "place": "Field"}),
    ]:
        episodes.missing_step_record(
            actor=dsl, episode=episode, step=step,
            done_at=since + datetime.timedelta(minutes=minutes), **values,
        )  # fmt: skip
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="social_worker_told", not_applicable=True
    )
    episodes.missing_step_record(
        actor=dsl, episode=episode, step="police_reported", not_applicable=True,
        notes="Found on the premises within minutes",
    )  # fmt: skip
    episodes.missing_episode_close(actor=dsl, episode=episode)
    first = working_day_on_or_after(timezone.localdate() - datetime.timedelta(days=days_ago))
    absence = absences.absence_start(
        actor=dsl, pupil=world.pupil, first_day=first, contact_attempts="Phoned"
    )
    absences.absence_end(
        actor=dsl, absence=absence, ended_on=first + datetime.timedelta(days=3), reason="Back"
    )
