"""A pupil with safeguarding records who left with no transfer of their CP file begun is chased
by the review: the school day before the KCSIE deadline, and once it has passed."""

from __future__ import annotations

import datetime

import pytest

from concerns import services as concern_services
from reminders import services
from reminders.models import Reminder
from safeguard.workdays import LONDON
from schools.models import Pupil
from tests.concerns.conftest import draft
from tests.support.factories import PupilFactory
from tests.support.world import World
from transfers.models import Transfer, TransferState

pytestmark = pytest.mark.django_db

LEFT_ON = datetime.date(2026, 11, 18)  # a Wednesday in term
DEADLINE = datetime.date(2026, 11, 25)  # five school days later


def _at(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(7), tzinfo=LONDON)


def _told(prefix: str) -> set[str]:
    return set(
        Reminder.objects.filter(key__startswith=prefix).values_list("recipient__email", flat=True)
    )


def _leaver(world: World, categories: dict, *, with_concern: bool) -> Pupil:
    pupil = PupilFactory(school=world.school, legal_first_name="Lenny", legal_last_name="Leaver")
    if with_concern:
        author = world.users["staff"]
        concern_services.concern_submit(actor=author, concern=draft(author, [pupil], categories))
    Pupil.objects.filter(pk=pupil.pk).update(left_on=LEFT_ON)
    return pupil


def test_a_leaver_with_records_is_chased_the_day_before_and_after_the_deadline(
    world: World, categories: dict
) -> None:
    pupil = _leaver(world, categories, with_concern=True)
    leads = {world.users["dsl"].email, world.users["deputy"].email}

    services.reviews_run(now=_at(datetime.date(2026, 11, 20)))
    assert not _told("leaver-")

    services.reviews_run(now=_at(datetime.date(2026, 11, 24)))
    assert _told(f"leaver-due:{pupil.pk}:{DEADLINE}") == leads
    title = Reminder.objects.get(
        key=f"leaver-due:{pupil.pk}:{DEADLINE}", recipient=world.users["dsl"]
    ).notification.title
    assert "Wednesday 25 November" in title
    assert "Lenny" not in title
    assert "Leaver" not in title

    services.reviews_run(now=_at(datetime.date(2026, 11, 26)))
    services.reviews_run(now=_at(datetime.date(2026, 11, 26)))  # again: nobody told twice
    assert _told(f"leaver-overdue:{pupil.pk}:{DEADLINE}") == leads
    assert Reminder.objects.filter(key__startswith="leaver-overdue:").count() == 2


def test_no_reminder_once_the_transfer_is_under_way_or_without_records(
    world: World, categories: dict
) -> None:
    quiet = _leaver(world, categories, with_concern=False)
    sent = _leaver(world, categories, with_concern=True)
    Transfer.objects.create(
        school=world.school,
        pupil=sent,
        leaving_date=LEFT_ON,
        deadline=DEADLINE,
        destination_name="Gamma Community School",
        destination_address="1 Gamma Road",
        state=TransferState.SENT,
        created_by=world.users["dsl"],
    )
    services.reviews_run(now=_at(datetime.date(2026, 11, 26)))
    assert not _told(f"leaver-overdue:{quiet.pk}")
    assert not _told(f"leaver-overdue:{sent.pk}")


def test_the_other_schools_people_are_never_told(world: World, categories: dict) -> None:
    pupil = _leaver(world, categories, with_concern=True)
    services.reviews_run(now=_at(datetime.date(2026, 11, 26)))
    assert world.users["other_dsl"].email not in _told(f"leaver-overdue:{pupil.pk}")
    assert _told(f"leaver-overdue:{pupil.pk}")
