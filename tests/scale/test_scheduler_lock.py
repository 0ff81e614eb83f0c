"""One scheduler sends at a time (docs/adr/0038): two real `celery beat` processes against one
Redis and the test's PostgreSQL database, with a job every second. Only the lock's holder sends;
killed (SIGKILL: no chance to let the lock go), the other takes over within the lock's lifetime.
`manage.py health scheduler` says which is which, and fails once a beat has gone."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.support.processes import Process, RedisServer, database_url_of_the_test, manage, wait_for

LOCK_SECONDS = 3
STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}")
SENT = "Sending due task every-second (safeguard.sessions_clear_expired)"


class Beat(Process):
    """`celery beat` in its own process group, named as a host of its own."""

    def __init__(self, name: str, redis_url: str) -> None:
        super().__init__(
            name,
            [sys.executable, "-m", "celery", "-A", "safeguard", "beat", "--loglevel=INFO"],
            {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "safeguard.settings.test",
                "DATABASE_URL": database_url_of_the_test(),
                "CELERY_BROKER_URL": redis_url,
                "SCHEDULER_LOCK_SECONDS": str(LOCK_SECONDS),
                "SCHEDULER_NAME": name,
                "PYTEST_XDIST_WORKER": "",
            },
            Path(tempfile.mkstemp(prefix=f"safeguard-beat-{name}-", suffix=".log")[1]),
        )

    def sent(self) -> int:
        return self.output().count(SENT)

    def sent_at(self) -> list[datetime.datetime]:
        # The line's time, wherever the log format puts it (Celery's "[time: ...]" or ours).
        return [
            datetime.datetime.strptime(found.group() + "+0000", "%Y-%m-%d %H:%M:%S,%f%z")
            for line in self.output().splitlines()
            if SENT in line and (found := STAMP.search(line))
        ]

    def health(self) -> subprocess.CompletedProcess[str]:
        return manage(self.env, "health", "scheduler")


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def beats(db: None, redis_server: RedisServer) -> Iterator[tuple[Beat, Beat]]:
    every_second, _ = IntervalSchedule.objects.get_or_create(
        every=1, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.create(
        name="every-second", task="safeguard.sessions_clear_expired", interval=every_second
    )
    pair = (Beat("host-a", redis_server.url), Beat("host-b", redis_server.url))
    yield pair
    for beat in pair:
        print(f"--- {beat.name}\n{beat.output()}")  # shown when the test fails
        beat.kill()
        beat.log.unlink(missing_ok=True)


@pytest.mark.django_db(transaction=True)
def test_only_the_lock_holder_sends_and_the_other_takes_over_when_it_dies(
    beats: tuple[Beat, Beat],
) -> None:
    first, second = beats
    first.start()
    wait_for("the first scheduler to take the lock", lambda: "lock taken" in first.output(), 60)
    second.start()
    wait_for("the second to stand by", lambda: "standing by" in second.output(), 60)

    sent_before = first.sent()
    time.sleep(4)
    assert first.sent() >= sent_before + 3  # the holder sends every second
    assert second.sent() == 0  # the standby sends nothing

    holder, standby = first.health(), second.health()
    assert holder.returncode == 0, holder.stderr
    assert "host-a holds the lock" in holder.stdout
    assert standby.returncode == 0, standby.stderr
    assert "host-b stands by; host-a" in standby.stdout

    first.kill()  # SIGKILL: the lock is not let go; it lapses
    died = time.monotonic()
    wait_for("the standby to take over", lambda: "lock taken" in second.output(), 30)
    took = time.monotonic() - died
    print(f"took over {took:.1f} s after the holder died")
    assert took <= LOCK_SECONDS + 1.5, f"took over after {took:.1f} s"
    wait_for("the new holder to send", lambda: second.sent() >= 3, 10)
    # Once a second, by one or the other: never twice for one second, at the takeover either.
    times = sorted(first.sent_at() + second.sent_at())
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) > 0.5, gaps
    assert "host-b holds the lock" in second.health().stdout

    # The dead host's scheduler is unhealthy once its heartbeat is two lifetimes old.
    time.sleep(2 * LOCK_SECONDS + 1)
    gone = first.health()
    assert gone.returncode == 1
    assert gone.stderr.strip().splitlines()[-1] == (
        f"The scheduler on host-a has not ticked for over {2 * LOCK_SECONDS} s."
    )


@pytest.mark.django_db(transaction=True)
def test_with_no_scheduler_holding_the_lock_health_fails(beats: tuple[Beat, Beat]) -> None:
    first, _ = beats
    unhealthy = first.health()  # nothing has run yet
    assert unhealthy.returncode == 1
    assert unhealthy.stderr.strip().splitlines()[-1] == (
        f"The scheduler on host-a has not ticked for over {2 * LOCK_SECONDS} s."
    )


def test_with_the_filesystem_broker_there_is_no_lock(settings) -> None:
    """`make run`: one machine, one beat, no Redis."""
    from safeguard.scheduler import lock_url

    settings.CELERY_BROKER_URL = "filesystem://"
    settings.SCHEDULER_LOCK_URL = ""
    assert lock_url() == ""
    settings.CELERY_BROKER_URL = "redis://broker:6379/0"
    assert lock_url() == "redis://broker:6379/0"
    settings.SCHEDULER_LOCK_URL = "rediss://locks:6380/3"
    assert lock_url() == "rediss://locks:6380/3"
