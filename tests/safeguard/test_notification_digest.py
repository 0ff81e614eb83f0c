"""The daily digest: one email a day to each DSL and deputy with unread notifications."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core import mail
from django.utils import timezone

from safeguard import notifications
from safeguard.models import DigestSent, Notification
from safeguard.notifications import notify
from safeguard.tasks import notifications_digest
from schools import services as school_services
from tests.support.factories import member
from tests.support.world import World

DAY = datetime.date(2026, 11, 23)


def _notify(world: World, who: str, kind: str, n: int = 1, school: Any = None) -> None:
    for i in range(n):
        notify(
            school=school or world.school,
            recipients=[world.users[who]],
            kind=kind,
            title=f"Title {kind} {i} that the digest never repeats",
            link="/triage/",
        )


def _mail_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [address]]


def test_each_dsl_and_deputy_with_unread_notifications_gets_one_email_of_counts_and_a_link(
    world: World,
) -> None:
    _notify(world, "dsl", "concern_submitted", 2)
    _notify(world, "dsl", "immediate_danger")
    _notify(world, "deputy", "reminder")
    assert notifications_digest(DAY.isoformat()) == 2
    (dsl,) = _mail_to("dsl@alpha.example")
    assert dsl.subject == "Safeguard: 3 unread notifications at Alpha School"
    assert "2 × new concern to triage" in dsl.body
    assert "1 × child may be in immediate danger" in dsl.body
    assert f"{settings.SITE_URL.rstrip('/')}/notifications/\n" in dsl.body
    assert "Title" not in dsl.body  # counts only: never a notification's title
    (deputy,) = _mail_to("deputy@alpha.example")
    assert deputy.subject == "Safeguard: 1 unread notification at Alpha School"
    assert "1 × reminder" in deputy.body
    assert DigestSent.objects.get(recipient=world.users["dsl"], day=DAY).unread == 3


def test_the_digest_is_sent_once_a_day_however_often_the_task_runs(world: World) -> None:
    _notify(world, "dsl", "reminder", 2)
    assert notifications_digest(DAY.isoformat()) == 1
    assert notifications_digest(DAY.isoformat()) == 0
    _notify(world, "dsl", "reminder")  # more arrive later the same day: still no second email
    assert notifications_digest(DAY.isoformat()) == 0
    assert len(_mail_to("dsl@alpha.example")) == 1
    assert DigestSent.objects.filter(recipient=world.users["dsl"]).count() == 1
    next_day = DAY + datetime.timedelta(days=1)
    assert notifications_digest(next_day.isoformat()) == 1
    assert _mail_to("dsl@alpha.example")[-1].subject.startswith("Safeguard: 3 unread")


def test_a_digest_recorded_by_another_run_is_not_sent_again(world: World) -> None:
    _notify(world, "dsl", "reminder")
    DigestSent.objects.create(recipient=world.users["dsl"], day=DAY, unread=1)
    assert (
        notifications.notification_digest_send(recipient_id=world.users["dsl"].pk, day=DAY) is False
    )
    assert mail.outbox == []


def test_people_with_nothing_unread_get_no_digest(world: World) -> None:
    _notify(world, "dsl", "reminder", 2)
    Notification.objects.filter(recipient=world.users["dsl"]).update(read_at=timezone.now())
    assert notifications_digest(DAY.isoformat()) == 0
    assert mail.outbox == []
    assert not DigestSent.objects.exists()


@pytest.mark.parametrize("role", ["staff", "head", "admin", "governor", "tso"])
def test_people_who_do_not_lead_safeguarding_get_no_digest(world: World, role: str) -> None:
    _notify(world, role, "action_assigned", 3)
    assert notifications_digest(DAY.isoformat()) == 0
    assert mail.outbox == []


def test_a_deputy_of_two_schools_gets_one_digest_naming_both(world: World) -> None:
    user = member(world.school, "deputy", email="both@alpha.example")
    school_services.school_membership_grant(user=user, school=world.other_school, role="deputy")
    world.users["both"] = user
    _notify(world, "both", "reminder", 2)
    _notify(world, "both", "concern_submitted", school=world.other_school)
    assert notifications_digest(DAY.isoformat()) == 1
    (email,) = _mail_to("both@alpha.example")
    assert email.subject == "Safeguard: 3 unread notifications in 2 schools"
    assert "Alpha School:\n  2 × reminder" in email.body
    assert "Beta School:\n  1 × new concern to triage" in email.body
    assert "/notifications/?all=1" in email.body


def test_a_failed_send_records_nothing_so_the_next_run_sends_it(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _notify(world, "dsl", "reminder")
    _notify(world, "deputy", "reminder")

    def refuse(*args: Any, **kwargs: Any) -> None:
        if kwargs["recipient_list"] == ["dsl@alpha.example"]:
            raise OSError("mail server down")
        mail.outbox.append(
            mail.EmailMessage(kwargs["subject"], kwargs["message"], to=kwargs["recipient_list"])
        )

    monkeypatch.setattr(notifications, "send_mail", refuse)
    assert notifications_digest(DAY.isoformat()) == 1  # the deputy's went; the DSL's did not
    assert not DigestSent.objects.filter(recipient=world.users["dsl"]).exists()
    monkeypatch.undo()
    assert notifications_digest(DAY.isoformat()) == 1
    assert len(_mail_to("dsl@alpha.example")) == 1
    assert len(_mail_to("deputy@alpha.example")) == 1


def test_the_digest_runs_at_seven_every_morning_london_time() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-digest-daily"]
    assert entry["task"] == "safeguard.notifications_digest"
    assert entry["schedule"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/London"


def test_the_digest_day_defaults_to_today_in_london(world: World) -> None:
    _notify(world, "dsl", "reminder")
    assert notifications_digest() == 1
    assert DigestSent.objects.get().day == timezone.localdate()


def test_a_school_where_the_person_is_not_a_lead_is_left_out_of_their_digest(
    world: World,
) -> None:
    """A DSL of school A who is also a member of staff in school B: B's notifications (and its
    name) stay out of the digest; with nothing unread in A, no digest at all."""
    user = member(world.school, "dsl", email="lead@alpha.example")
    school_services.school_membership_grant(user=user, school=world.other_school, role="staff")
    world.users["lead"] = user
    _notify(world, "lead", "action_assigned", 2, school=world.other_school)
    assert notifications_digest(DAY.isoformat()) == 0
    _notify(world, "lead", "reminder")
    assert notifications_digest(DAY.isoformat()) == 1
    (email,) = _mail_to("lead@alpha.example")
    assert email.subject == "Safeguard: 1 unread notification at Alpha School"
    assert "Beta" not in email.body
    assert "action" not in email.body


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_a_real_worker_sends_the_digest_once_when_the_task_is_queued_twice(world: World) -> None:
    import time

    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from safeguard.celery import app

    returned: list[int] = []

    def done(sender: Any = None, retval: Any = None, **kwargs: Any) -> None:
        if getattr(sender, "name", None) == "safeguard.notifications_digest":
            returned.append(retval)

    task_postrun.connect(done, weak=False)
    _notify(world, "dsl", "reminder", 2)  # committed: their own emails are queued too
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
            notifications_digest.delay(DAY.isoformat())
            notifications_digest.delay(DAY.isoformat())
            deadline = time.monotonic() + 30
            while len(returned) < 2 or Notification.objects.filter(email_sent_at=None).exists():
                assert time.monotonic() < deadline, f"the worker did not finish: {returned}"
                time.sleep(0.2)
    finally:
        task_postrun.disconnect(done)
    assert sorted(returned) == [0, 1]
    digests = [m for m in _mail_to("dsl@alpha.example") if m.subject.startswith("Safeguard: 2")]
    assert len(digests) == 1
    assert DigestSent.objects.filter(recipient=world.users["dsl"], day=DAY).count() == 1
