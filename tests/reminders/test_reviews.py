"""The scheduled review: what is due raises a reminder, once, to the right people, with no names."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from concerns.models import Concern
from reminders import services
from reminders.models import Reminder
from safeguard import workdays
from safeguard.models import Notification
from safeguard.workdays import LONDON
from tests.support.world import World

pytestmark = pytest.mark.django_db


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=LONDON)


def told(key_start: str) -> set[str]:
    return set(
        Reminder.objects.filter(key__startswith=key_start).values_list(
            "recipient__email", flat=True
        )
    )


@pytest.mark.parametrize(
    ("written", "due"),
    [
        (at(2026, 11, 17, 10, 0), at(2026, 11, 17, 11, 0)),  # Tuesday morning: an hour later
        (at(2026, 11, 20, 15, 10), at(2026, 11, 23, 9, 10)),  # Friday 15:10: Monday 09:10
        (at(2026, 11, 21, 12, 0), at(2026, 11, 23, 9, 30)),  # Saturday: Monday, an hour in
        (at(2026, 11, 17, 7, 0), at(2026, 11, 17, 9, 30)),  # before school: an hour in
        (at(2026, 5, 22, 15, 0), at(2026, 5, 26, 9, 0)),  # before the Spring Bank Holiday
        (at(2026, 3, 27, 15, 0), at(2026, 3, 30, 9, 0)),  # across the clock change
    ],
)
def test_the_triage_target_counts_school_hours(
    written: datetime.datetime, due: datetime.datetime
) -> None:
    calendar = workdays.DEFAULT_CALENDAR  # school 08:30 to 15:30, every working day
    assert calendar.add_school_hours(written, services.TRIAGE_TARGET) == due


def _submitted(records: dict[str, Any]) -> Concern:
    concern = records["own"].concern
    assert concern.opened_at is None
    return concern


def test_an_unopened_concern_escalates_to_the_deputies_then_the_head(
    world: World, records: dict[str, Any]
) -> None:
    concern = _submitted(records)
    written = concern.written_at
    calendar = workdays.calendar_for(world.school)
    first = calendar.add_school_hours(written, services.TRIAGE_TARGET)
    services.reviews_run(now=first - datetime.timedelta(minutes=1))
    assert not told(f"triage:{concern.pk}")
    services.reviews_run(now=first)
    assert told(f"triage:{concern.pk}:deputies") == {world.users["deputy"].email}
    assert not told(f"triage:{concern.pk}:head")
    second = calendar.add_school_hours(first, services.TRIAGE_TARGET)
    services.reviews_run(now=second)
    heads = told(f"triage:{concern.pk}:head")
    assert world.users["head"].email in heads
    assert world.users["dsl"].email not in heads
    assert world.users["deputy"].email not in heads
    note = Notification.objects.get(
        recipient=world.users["deputy"], kind="reminder", link__contains=str(concern.pk)
    )
    assert note.link == f"/concerns/{concern.pk}/"
    assert "has not been opened by a DSL" in note.title


def test_an_immediate_danger_concern_escalates_after_15_minutes(
    world: World, records: dict[str, Any]
) -> None:
    from concerns.models import ConcernStatus
    from tests.concerns.conftest import draft

    categories = {c.label: c for c in records["own"].concern.school.trust.categories.all()}
    from concerns import services as concern_services

    urgent = concern_services.concern_submit(
        actor=world.users["staff"],
        concern=draft(world.users["staff"], [world.pupil], categories, danger=True),
    )
    assert urgent.status == ConcernStatus.RECEIVED
    services.reviews_run(now=urgent.written_at + datetime.timedelta(minutes=14))
    assert not told(f"triage:{urgent.pk}")
    services.reviews_run(now=urgent.written_at + datetime.timedelta(minutes=15))
    assert told(f"triage:{urgent.pk}:deputies") == {world.users["deputy"].email}
    assert Notification.objects.get(
        recipient=world.users["deputy"], kind="reminder", link=f"/concerns/{urgent.pk}/"
    ).urgent


def test_an_opened_concern_raises_nothing(world: World, records: dict[str, Any]) -> None:
    from concerns import services as concern_services

    concern = _submitted(records)
    concern_services.concern_open(actor=world.users["dsl"], concern=concern)
    services.reviews_run(now=concern.written_at + datetime.timedelta(days=7))
    assert not told(f"triage:{concern.pk}")


def test_running_twice_raises_no_duplicates(world: World, records: dict[str, Any]) -> None:
    later = records["own"].concern.written_at + datetime.timedelta(days=30)
    before = Notification.objects.count()
    first = services.reviews_run(now=later)
    count = Notification.objects.count() - before
    assert first.raised == count > 0
    again = services.reviews_run(now=later)
    assert again.raised == 0
    assert Notification.objects.count() - before == count
    assert Reminder.objects.count() == count


def test_what_is_due_in_thirty_days_reaches_the_right_people(
    world: World, records: dict[str, Any]
) -> None:
    own = records["own"]
    services.reviews_run(now=own.concern.written_at + datetime.timedelta(days=30))
    dsl, deputy, staff = (world.users[r].email for r in ("dsl", "deputy", "staff"))
    # The action (owned by the staff member) is overdue: its owner and the DSL.
    assert told(f"action-overdue:{own.action.pk}") == {staff, dsl}
    # The phone referral's written follow-up was never recorded; no outcome either.
    assert told(f"referral-follow-up:{own.referral.pk}") == {dsl, deputy}
    assert told(f"referral-overdue:{own.referral.pk}") == {dsl, deputy}
    assert told(f"ra-review:{own.risk_assessment.pk}") == {dsl, deputy}
    # The LADO was never told of the allegation: its handlers, never the DSL.
    lado = told(f"lado-overdue:{own.allegation.pk}")
    assert world.users["tso"].email in lado
    assert dsl not in lado
    assert deputy not in lado
    # Nothing of the other school reaches anyone of this school, and the reverse.
    other = records["other"]
    assert told(f"referral-overdue:{other.referral.pk}") == {world.users["other_dsl"].email}


def test_an_action_due_tomorrow_reminds_its_owner(world: World, records: dict[str, Any]) -> None:
    action = records["own"].action
    day_before = datetime.datetime.combine(
        action.due_on - datetime.timedelta(days=1), datetime.time(7), tzinfo=LONDON
    )
    services.reviews_run(now=day_before)
    assert told(f"action-due:{action.pk}") == {world.users["staff"].email}
    assert not told(f"action-overdue:{action.pk}")


def test_no_reminder_names_a_child_or_an_adult(world: World, records: dict[str, Any]) -> None:
    services.reviews_run(now=records["own"].concern.written_at + datetime.timedelta(days=30))
    titles = list(Reminder.objects.values_list("notification__title", flat=True))
    assert titles
    names = [world.pupil.legal_first_name, world.pupil.legal_last_name, "Dana Fixture"]
    for title in titles:
        for name in names:
            assert name not in title


def test_a_race_with_another_run_tells_nobody_twice(world: World, records: dict[str, Any]) -> None:
    """Two runs at once: the second one's insert meets the first one's row and backs out whole."""
    item = services.Due(
        school_id=world.school.pk,
        key="test:race",
        title="A test reminder",
        link="/",
        recipient_ids=frozenset({world.users["dsl"].pk}),
    )
    assert services._raise(item, [world.users["dsl"]], world.school) == 1
    assert services._raise(item, [world.users["dsl"]], world.school) == 0
    assert Notification.objects.filter(title="A test reminder").count() == 1


def test_a_batch_meeting_another_runs_reminder_falls_back_to_one_item_at_a_time(
    world: World,
) -> None:
    """Another run told the DSL of the second item between this run's check and its insert: the
    batch backs out whole, then each item is raised alone and only the DSL's second is skipped."""
    dsl, deputy = world.users["dsl"], world.users["deputy"]
    items = [
        services.Due(world.school.pk, f"test:batch:{n}", f"Reminder {n}", "/", frozenset())
        for n in (1, 2, 3)
    ]
    assert services._raise(items[1], [dsl], world.school) == 1  # the other run
    raised = services._raise_all([(item, [dsl, deputy], world.school) for item in items])
    assert raised == 5
    assert sorted(
        Reminder.objects.filter(key__startswith="test:batch:").values_list(
            "key", "recipient__email"
        )
    ) == [
        ("test:batch:1", "deputy@alpha.example"),
        ("test:batch:1", "dsl@alpha.example"),
        ("test:batch:2", "deputy@alpha.example"),
        ("test:batch:2", "dsl@alpha.example"),
        ("test:batch:3", "deputy@alpha.example"),
        ("test:batch:3", "dsl@alpha.example"),
    ]
    assert Notification.objects.filter(title="Reminder 2", recipient=dsl).count() == 1


def test_the_triage_target_waits_for_the_school_after_half_term(world: World) -> None:
    from schools.models import SchoolClosure

    SchoolClosure.objects.create(
        school=world.school,
        name="October half term",
        first_day=datetime.date(2026, 10, 26),
        last_day=datetime.date(2026, 10, 30),
    )
    people = services.People()
    calendar = people.calendar(world.school.pk)
    # Friday 23 October 15:10, school ends 15:30: 40 minutes left, on Monday 2 November.
    assert calendar.add_school_hours(at(2026, 10, 23, 15, 10), services.TRIAGE_TARGET) == at(
        2026, 11, 2, 9, 10
    )
    # The other school has no half term recorded: Monday 26 October.
    other = people.calendar(world.other_school.pk)
    assert other.add_school_hours(at(2026, 10, 23, 15, 10), services.TRIAGE_TARGET) == at(
        2026, 10, 26, 9, 10
    )
