"""Issue 6's fault tests, on PostgreSQL and real Redis: a broker that goes down loses nothing, a
worker killed in the middle of an email delivers it after restart exactly once, and the scheduled
review run twice, or across a weekend, a bank holiday and half term, tells each person once and on
the right day.

Each test that needs a broker has a Redis server of its own (stopped and started at will), a
Celery worker in a process of its own (killed with SIGKILL), and a real SMTP server counting what
it accepted."""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import time_machine
from django.utils import timezone

from concerns import services as concern_services
from concerns.models import Category, Concern, ConcernStatus
from reminders.models import Reminder
from reminders.tasks import reviews_run as reviews_run_task
from safeguard.models import Notification
from safeguard.tasks import notifications_relay
from safeguard.workdays import LONDON
from schools.models import SchoolClosure
from tests.concerns.conftest import draft
from tests.referrals.conftest import make_referral
from tests.support.processes import RedisServer, SmtpServer, Worker, celery_broker, wait_for
from tests.support.world import World


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    with celery_broker(server.url):
        yield server
    server.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker(db: None, redis_server: RedisServer, smtp: SmtpServer) -> Iterator[Worker]:
    process = Worker(broker_url=redis_server.url, smtp_port=smtp.port)
    yield process
    print(process.output())  # shown when the test fails
    process.stop()


def all_delivered() -> bool:
    return not Notification.objects.filter(email_sent_at__isnull=True).exists()


def assert_each_delivered_once(smtp: SmtpServer) -> None:
    """Every notification's email was accepted exactly once, and nothing else was sent."""
    expected = Counter(
        (n.recipient.email, ("URGENT: " if n.urgent else "") + n.title)
        for n in Notification.objects.select_related("recipient")
    )
    assert Counter((m.to, m.subject) for m in smtp.accepted) == expected
    assert max(expected.values()) == 1


def submit_danger_concern(world: World, categories: dict[str, Category]) -> Concern:
    concern = draft(world.users["staff"], [world.pupil], categories, danger=True)
    return concern_services.concern_submit(actor=world.users["staff"], concern=concern)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_a_concern_is_saved_and_its_alert_delivered_once_when_redis_returns(
    world: World,
    categories: dict[str, Category],
    redis_server: RedisServer,
    smtp: SmtpServer,
    worker: Worker,
) -> None:
    redis_server.stop()
    started = time.monotonic()
    concern = submit_danger_concern(world, categories)  # commits; the broker refuses the tasks
    took = time.monotonic() - started

    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RECEIVED
    alerts = Notification.objects.filter(kind="immediate_danger")
    assert sorted(alerts.values_list("recipient__email", flat=True)) == [
        "deputy@alpha.example",
        "dsl@alpha.example",
    ]
    assert not alerts.filter(email_sent_at__isnull=False).exists()
    assert took < 10, f"submitting with the broker down took {took:.1f} s"

    redis_server.start()
    worker.start()
    # The scheduler's relay runs every minute; two runs overlapping still send each email once.
    notifications_relay.delay()
    notifications_relay.delay()
    wait_for("the relay to deliver the alerts", all_delivered)
    wait_for(
        "both relay runs to finish",
        lambda: worker.output().count("safeguard.notifications_relay[") >= 4,  # received, done
    )
    assert_each_delivered_once(smtp)
    alert = next(m for m in smtp.accepted if m.to == "dsl@alpha.example")
    assert alert.subject.startswith("URGENT: ")
    assert world.pupil.legal_first_name not in alert.body
    assert world.pupil.legal_last_name not in alert.body


def raise_deputy_reminder(world: World, concern: Concern) -> Notification:
    """The immediate-danger concern is still unopened 16 minutes on: the deputies are told."""
    from reminders.services import reviews_run

    assert concern.written_at is not None
    report = reviews_run(now=concern.written_at + datetime.timedelta(minutes=16))
    assert report.raised == 1
    return Notification.objects.get(kind="reminder", recipient=world.users["deputy"])


def reminder_being_sent(
    world: World, categories: dict[str, Category], smtp: SmtpServer, worker: Worker
) -> Notification:
    """The worker is in the middle of emailing the deputy's reminder: the server holds it."""
    worker.start()
    concern = submit_danger_concern(world, categories)
    wait_for("the immediate-danger alerts", all_delivered)
    smtp.hold_next()
    reminder = raise_deputy_reminder(world, concern)  # committed: queued for the worker
    assert smtp.holding.wait(30), "the worker did not start sending the reminder"
    return reminder


@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_mid_delivery_is_replaced_and_the_reminder_delivered_once(
    world: World, categories: dict[str, Category], smtp: SmtpServer, worker: Worker
) -> None:
    reminder = reminder_being_sent(world, categories, smtp, worker)
    killed = worker.kill_child()  # SIGKILL, with the message sent but not yet accepted
    wait_for(
        "the worker to replace its pool process", lambda: worker.child_pids() not in ([], [killed])
    )
    smtp.release()  # the server sees the sender gone and refuses the half-sent message

    # task_reject_on_worker_lost: the task goes back on the queue and the new process sends it.
    wait_for("the reminder to be delivered", all_delivered)
    assert "WorkerLostError" in worker.output() or "signal 9" in worker.output()
    reminder.refresh_from_db()
    assert reminder.email_attempts == 1  # the killed attempt's transaction was rolled back
    assert_each_delivered_once(smtp)
    assert sum(m.to == "deputy@alpha.example" for m in smtp.accepted) == 2  # the alert, then this


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_delivery_delivers_the_reminder_once_after_restart(
    world: World, categories: dict[str, Category], smtp: SmtpServer, worker: Worker
) -> None:
    reminder = reminder_being_sent(world, categories, smtp, worker)
    worker.kill()  # the whole worker, as when a machine loses power
    smtp.release()
    reminder.refresh_from_db()
    assert reminder.email_sent_at is None

    worker.start()
    notifications_relay.delay()  # the scheduler's next minute
    wait_for("the reminder to be delivered after the restart", all_delivered)
    assert_each_delivered_once(smtp)
    # The reminder was raised once, whatever happened to its delivery.
    assert Reminder.objects.filter(recipient=world.users["deputy"]).count() == 1


def london(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime.datetime:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=LONDON)


@pytest.mark.django_db
def test_time_frozen_across_a_weekend_a_bank_holiday_and_half_term(
    world: World, categories: dict[str, Category]
) -> None:
    """Friday 22 May 2026, 15:00: a concern and a phone referral to social care. Monday 25 May
    is the Spring Bank Holiday and the school's half term runs to Friday 29 May. The referral's
    outcome is due by the end of the next working day (Tuesday: social care works in half term);
    the concern's hour of school time is half an hour that Friday and half an hour when the school
    reopens on Monday 1 June. The scheduled review runs every day, twice, at the frozen times."""
    SchoolClosure.objects.create(
        school=world.school,
        name="Summer half term",
        first_day=datetime.date(2026, 5, 26),
        last_day=datetime.date(2026, 5, 29),
    )
    dsl = world.users["dsl"]
    with time_machine.travel(london(2026, 5, 22, 15, 0), tick=False):
        concern = draft(world.users["staff"], [world.pupil], categories)
        concern = concern_services.concern_submit(actor=world.users["staff"], concern=concern)
        referral = make_referral(
            dsl, world.pupil, method="portal", made_at=timezone.now(), spoken_to=""
        )

    def run_at(moment: datetime.datetime) -> set[str]:
        """Run the scheduled job twice at `moment`; the kinds of reminder raised, by key."""
        before = set(Reminder.objects.values_list("pk", flat=True))
        with time_machine.travel(moment, tick=False):
            first = reviews_run_task()
            second = reviews_run_task()
        assert second["raised"] == 0, "the second run of the day raised reminders again"
        new = Reminder.objects.exclude(pk__in=before)
        assert new.count() == first["raised"]
        return {key.split(":")[0] for key in new.values_list("key", flat=True)}

    assert run_at(london(2026, 5, 22, 15, 29)) == set()  # 29 minutes of school time
    assert run_at(london(2026, 5, 23, 12, 0)) == set()  # Saturday
    assert run_at(london(2026, 5, 25, 12, 0)) == set()  # the bank holiday
    assert run_at(london(2026, 5, 26, 23, 59)) == set()  # Tuesday: the referral is due today
    assert run_at(london(2026, 5, 27, 0, 1)) == {"referral-overdue"}  # Wednesday, just after
    assert run_at(london(2026, 5, 29, 9, 0)) == set()  # still overdue: nobody is told again
    assert run_at(london(2026, 6, 1, 8, 59)) == set()  # school reopens 08:30: 29 minutes in
    assert run_at(london(2026, 6, 1, 9, 0)) == {"triage"}  # an hour of school time
    overdue = Reminder.objects.filter(key__startswith=f"referral-overdue:{referral.pk}")
    assert set(overdue.values_list("recipient__email", flat=True)) == {
        "dsl@alpha.example",
        "deputy@alpha.example",
    }
    triage = set(
        Reminder.objects.filter(key__startswith=f"triage:{concern.pk}").values_list(
            "recipient__email", flat=True
        )
    )
    assert triage == {"deputy@alpha.example"}
