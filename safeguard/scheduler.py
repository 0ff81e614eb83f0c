"""One scheduler at a time (docs/adr/0038): `celery beat` sends nothing unless it holds a lock.

Every beat process (one per host, or a second one started by mistake) runs this scheduler. The
one holding the lock, a Redis key that lapses `SCHEDULER_LOCK_SECONDS` after it was last
renewed, sends the timetable's tasks and renews the lock on every tick; every other one stands by,
trying to take the lock on each of its ticks, and so takes over within about that long after the
holder stops (at once when it stops cleanly: it lets the lock go). Two holders at once would need
the holder to be stopped longer than the lock's lifetime between two ticks and carry on; its next
renewal then fails and it stands down before sending anything.

Each tick also writes what `manage.py health scheduler` reads: the holder's heartbeat, and this
host's beat's own (holder or standby).

With the filesystem broker (`make run`: one machine, one beat, no Redis) there is no lock.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from typing import Any

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)

LOCK_KEY = "safeguard:scheduler:lock"
HEARTBEAT_KEY = "safeguard:scheduler:heartbeat"  # the holder's, written on each tick it sends
NODE_KEY = "safeguard:scheduler:node:{name}"  # each beat's own, holder or standby


def lock_url() -> str:
    """The Redis the lock lives in (the broker's; never the cache's, whose keys may be evicted),
    or "" when there is none (the filesystem broker of `make run`)."""
    url = settings.SCHEDULER_LOCK_URL or settings.CELERY_BROKER_URL
    return url if url.startswith(("redis://", "rediss://")) else ""


def node_name() -> str:
    """This beat's name in its heartbeat: SCHEDULER_NAME, or the host's name (one beat a host)."""
    return os.environ.get("SCHEDULER_NAME") or socket.gethostname()


def redis_client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)


class SchedulerLock:
    """The lock and the heartbeats, in one Redis."""

    def __init__(self, url: str, seconds: int) -> None:
        self.seconds = seconds
        self.redis = redis_client(url)
        self.me = f"{node_name()} (pid {os.getpid()})"
        self.lock = self.redis.lock(LOCK_KEY, timeout=seconds, blocking=False, thread_local=False)
        self.held = False

    def hold(self) -> bool:
        """Take or renew the lock; whether this process holds it now."""
        from redis.exceptions import LockError, RedisError

        try:
            if self.held:
                try:
                    self.lock.reacquire()  # fails if it lapsed (and perhaps another took it)
                except LockError:
                    self.held = False
            if not self.held:
                self.held = bool(self.lock.acquire(blocking=False))
                if self.held:  # who holds it, for the other beats' log
                    self.redis.set(f"{LOCK_KEY}:holder", self.me, ex=self.seconds * 10)
        except (LockError, RedisError) as exc:
            # No Redis, no lock: send nothing (the broker is likely unreachable too).
            log.warning("Scheduler lock: Redis did not answer (%s); sending nothing", exc)
            self.held = False
        self.beat()
        return self.held

    def beat(self) -> None:
        """Write this beat's heartbeat, and the holder's if it holds the lock."""
        from redis.exceptions import RedisError

        now = time.time()
        role = "holder" if self.held else "standby"
        try:
            pipe = self.redis.pipeline()
            status = json.dumps({"at": now, "role": role, "who": self.me})
            pipe.set(NODE_KEY.format(name=node_name()), status, ex=self.seconds * 10)
            if self.held:
                pipe.set(
                    HEARTBEAT_KEY, json.dumps({"at": now, "who": self.me}), ex=self.seconds * 10
                )
            pipe.execute()
        except RedisError:
            pass  # hold() has said so

    def holder(self) -> str:
        from redis.exceptions import RedisError

        try:
            who = self.redis.get(f"{LOCK_KEY}:holder")
        except RedisError:
            return "unknown"
        return who.decode() if who else "unknown"

    def release(self) -> None:
        from redis.exceptions import LockError, RedisError

        if self.held:
            try:
                self.lock.release()
            except (LockError, RedisError):
                pass
            self.held = False


class LockedDatabaseScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler (jobs kept in the database), sending only under the lock."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        url = lock_url()
        self.scheduler_lock = SchedulerLock(url, settings.SCHEDULER_LOCK_SECONDS) if url else None
        self._was_holding: bool | None = None
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        lock = self.scheduler_lock
        if lock is None:
            return float(super().tick(*args, **kwargs))
        holding = lock.hold()
        if holding != self._was_holding:
            if holding:
                log.info("Scheduler lock taken by %s: sending the timetable's tasks", lock.me)
                self._read_afresh()
            else:
                log.info(
                    "Scheduler standing by: another scheduler holds the lock (%s)", lock.holder()
                )
            self._was_holding = holding
        # Tick again well before the lock would lapse, whatever is due next.
        renew_within = max(lock.seconds / 3, 0.5)
        if not holding:
            return renew_within
        return float(min(super().tick(*args, **kwargs), renew_within))

    def _read_afresh(self) -> None:
        """On taking the lock: read the timetable and each job's last run from the database,
        where the previous holder left them (beat_sync_every=1 writes each run as it is sent)."""
        self._initial_read = True
        # What changed while standing by is in what is read now: not a change to read again
        # (which would rebuild the timetable from entries that have not seen this tick's sends,
        # and send each due job twice).
        self._last_timestamp = self.Changes.last_change()
        self._heap_invalidated = False
        self._heap = None

    def close(self) -> None:
        super().close()
        if self.scheduler_lock is not None:
            self.scheduler_lock.release()  # the standby need not wait for it to lapse
