"""One school's missing-children records for the shared `records` fixture (tests/conftest.py)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from concerns.missing import absences, episodes
from concerns.models import ContinuousAbsence, MissingEpisode
from safeguard.workdays import is_working_day
from schools.models import Pupil, User

if TYPE_CHECKING:
    from tests.support.world import World

HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def school_day(days_back: int = 0) -> datetime.date:
    """The school day `days_back` school days before the last one on or before today (an
    absence starts on a school day, whatever day the tests run)."""
    day = timezone.localdate()
    while not is_working_day(day):
        day -= datetime.timedelta(days=1)
    while days_back:
        day -= datetime.timedelta(days=1)
        days_back -= is_working_day(day)
    return day


def missing_records(author: User, manager: User, pupil: Pupil) -> tuple[Any, Any]:
    """An open missing episode (reported by `author`, one step recorded by `manager`) and a
    continuous absence recorded by `manager`."""
    now = timezone.now()
    episode: MissingEpisode = episodes.missing_episode_start(
        actor=author,
        pupil=pupil,
        missing_since=now - datetime.timedelta(minutes=30),
        last_seen_at=now - datetime.timedelta(minutes=50),
        last_seen_details="Leaving the science lesson, seen by the class teacher",
    )
    episodes.missing_step_record(
        actor=manager,
        episode=episode,
        step="searched",
        done_at=now - datetime.timedelta(minutes=20),
        notes="Building, field and the park over the road",
    )
    absence: ContinuousAbsence = absences.absence_start(
        actor=manager,
        pupil=pupil,
        first_day=school_day(3),
        contact_attempts="Both emergency contacts called twice; no answer",
    )
    return episode, absence


def episode_start(
    world: World, *, at: datetime.datetime | None = None, pupil: Any = None, **kw: Any
):
    """A missing episode reported by school A's staff member, missing since `at` (an hour ago)."""
    at = at or timezone.now() - HOUR
    values: dict[str, Any] = {
        "missing_since": at,
        "last_seen_at": at - 20 * MINUTE,
        "last_seen_details": "Leaving the Year 9 science lesson, seen by Mr Jones",
    }
    values.update(kw)
    return episodes.missing_episode_start(
        actor=world.users["staff"], pupil=pupil or world.pupil, **values
    )


def episode_step(
    world: World, episode: MissingEpisode, step: str, at: datetime.datetime, **kw: Any
):
    """A step of the episode recorded by the DSL at `at`."""
    return episodes.missing_step_record(
        actor=world.users["dsl"], episode=episode, step=step, done_at=at, **kw
    )


def episode_all_steps(world: World, episode: MissingEpisode) -> None:
    """Every step of the protocol recorded, the pupil found and the police told of the return."""
    t = episode.missing_since
    episode_step(world, episode, "searched", t + 5 * MINUTE, notes="Building and field")
    episode_step(world, episode, "contacted", t + 7 * MINUTE, notes="Phoned and texted: no reply")
    episode_step(world, episode, "parents_told", t + 9 * MINUTE, person="Mother, by phone")
    episode_step(world, episode, "police_reported", t + 15 * MINUTE, police_line="101",
          incident_number="INC-4521")  # fmt: skip
    episodes.missing_step_record(
        actor=world.users["deputy"], episode=episode, step="social_worker_told",
        not_applicable=True,
    )  # fmt: skip
    episode_step(world, episode, "found", t + 40 * MINUTE, person="PC Jones", place="Central Park")
    episode_step(world, episode, "police_told_of_return", t + 45 * MINUTE)
