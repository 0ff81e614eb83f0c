"""Messages that say when something is due say the true day: today, tomorrow, the named day, or
that it was due on a day gone by, counted in working days where the guidance does (issue 20,
docs/adr/0009)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from allegations.views import lado_due_message
from referrals.views import follow_up_message
from reminders import services as reminders
from safeguard.workdays import LONDON, day_words
from tests.referrals.conftest import agency_for
from tests.support.referrals import referral_form
from tests.support.world import World

FRIDAY = datetime.date(2026, 12, 4)
SATURDAY = datetime.date(2026, 12, 5)
MONDAY = datetime.date(2026, 12, 7)


def test_day_words() -> None:
    assert day_words(FRIDAY, today=FRIDAY) == "today"
    assert day_words(SATURDAY, today=FRIDAY) == "tomorrow"
    assert day_words(MONDAY, today=FRIDAY) == "on Monday 7 December 2026"
    assert day_words(FRIDAY, today=MONDAY) == "on Friday 4 December 2026"


def test_the_lado_message_names_monday_for_an_allegation_made_on_a_friday() -> None:
    friday_afternoon = datetime.datetime(2026, 12, 4, 15, 0, tzinfo=LONDON)
    due = datetime.datetime.combine(MONDAY, datetime.time.max, tzinfo=LONDON)
    said = lado_due_message(due, today=FRIDAY)
    assert "today" not in said
    assert "by the end of Monday 7 December 2026" in said
    assert "by the end of today" in lado_due_message(due, today=MONDAY)
    assert "by the end of tomorrow" in lado_due_message(due, today=datetime.date(2026, 12, 6))
    late = lado_due_message(due, today=datetime.date(2026, 12, 8))
    assert "today" not in late
    assert "should have been told by the end of Monday 7 December 2026" in late
    assert friday_afternoon < due


def test_the_follow_up_message_says_when_it_was_due_for_a_referral_recorded_late() -> None:
    due = datetime.datetime.combine(FRIDAY, datetime.time.max, tzinfo=LONDON)
    assert "Send the written follow-up today" in follow_up_message(due, today=FRIDAY)
    late = follow_up_message(due, today=MONDAY)
    assert "today" not in late
    assert "was due by the end of Friday 4 December 2026" in late


def test_a_phone_referral_recorded_days_later_is_not_due_today(client: Any, world: World) -> None:
    agency = agency_for(world.school)
    client.force_login(world.users["dsl"])
    made = timezone.localtime() - datetime.timedelta(days=3)
    response = client.post(
        reverse("referral-add", kwargs={"pk": world.pupil.pk}),
        referral_form(agency.pk, made_at=made.strftime("%d/%m/%Y %H:%M")),
    )
    assert response.status_code == 302
    said = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert "today" not in said
    assert f"{made:%A} {made.day} {made:%B %Y}" in said


def test_an_action_due_on_monday_is_reminded_on_friday_as_due_on_monday(
    world: World, records: dict[str, Any]
) -> None:
    from concerns.models import Action
    from safeguard.models import Notification

    action = records["own"].action
    Action.objects.filter(pk=action.pk).update(due_on=MONDAY)
    reminders.reviews_run(now=datetime.datetime(2026, 12, 4, 7, 0, tzinfo=LONDON))
    titles = list(
        Notification.objects.filter(kind="reminder", link=reverse("action-list")).values_list(
            "title", flat=True
        )
    )
    mine = [t for t in titles if t.startswith("A safeguarding action of yours")]
    assert mine == ["A safeguarding action of yours is due on Monday 7 December 2026"]


def test_a_status_ending_says_which_day(world: World) -> None:
    from chronology import services
    from chronology.models import StatusKind
    from safeguard.models import Notification

    services.status_add(
        actor=world.users["dsl"],
        pupil=world.pupil,
        kind=StatusKind.CHILD_IN_NEED,
        start_date=timezone.localdate() - datetime.timedelta(days=30),
        end_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    reminders.reviews_run(now=timezone.now())
    titles = set(Notification.objects.filter(kind="reminder").values_list("title", flat=True))
    assert "A pupil's plan or status ends tomorrow" in titles
