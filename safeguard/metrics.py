"""Prometheus metrics (docs/adr/0039): no names, no free text, no school's name.

- Web requests: django-prometheus's middleware pair (counts and times by view name, method and
  status), served at `/metrics` to `Authorization: Bearer $METRICS_TOKEN` only (compared in
  constant time); without METRICS_TOKEN the page is a 404 like any missing one.
- Celery tasks: counted and timed per task name, queue and outcome, in the worker that runs them
  (signals below); a worker serves its own on WORKER_METRICS_PORT.
- Read when scraped, one cheap query or command each: the length of each Celery queue on Redis,
  and the collectors apps register (the reminder backlog, `reminders/metrics.py`).

gunicorn and Celery's prefork pool run several processes: with PROMETHEUS_MULTIPROC_DIR set,
prometheus_client keeps each process's figures in a file there and a scrape adds them up
(gunicorn.conf.py and safeguard/celery.py make a directory of their own when none is given).
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

# The queues of the deployment (docs/architecture.md); a task on any other is counted as "other",
# so a label never takes a value from outside this list.
QUEUES = ("alerts", "exports", "default")

TASKS = Counter(
    "safeguard_celery_tasks",
    "Celery tasks finished, by task, queue and outcome (succeeded, failed, retried).",
    ["task", "queue", "outcome"],
)
TASK_SECONDS = Histogram(
    "safeguard_celery_task_duration_seconds",
    "How long each Celery task ran, by task and queue.",
    ["task", "queue"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)

_started: dict[str, float] = {}


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")


def _queue_of(task: Any) -> str:
    info = getattr(getattr(task, "request", None), "delivery_info", None) or {}
    queue = info.get("routing_key") or info.get("exchange") or ""
    return queue if queue in QUEUES else "other"


def _task_name(task: Any, sender: Any = None) -> str:
    name = getattr(task, "name", None) or getattr(sender, "name", None) or "unknown"
    return str(name)[:100]


def task_started(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.monotonic()


OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}


def task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    started = _started.pop(task_id or "", None)
    name, queue = _task_name(task), _queue_of(task)
    TASKS.labels(name, queue, OUTCOMES.get(state or "", "other")).inc()
    if started is not None:
        TASK_SECONDS.labels(name, queue).observe(time.monotonic() - started)


# --- Read when scraped --------------------------------------------------------------------------

_scrape_collectors: list[Collector] = []


def register_scrape_collector(collector: Collector) -> None:
    """A collector read at each scrape of `/metrics` on web (not in workers)."""
    if collector not in _scrape_collectors:
        _scrape_collectors.append(collector)


class QueueLengths(Collector):
    """`safeguard_celery_queue_length{queue}`: messages waiting in each queue (Redis LLEN, with
    kombu's priority sub-queues), one round trip; nothing when the broker is not Redis."""

    _client: Any = None

    def _redis(self) -> Any:
        url = str(settings.CELERY_BROKER_URL)
        if not url.startswith(("redis://", "rediss://")):
            return None
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        return self._client

    def collect(self) -> Iterator[GaugeMetricFamily]:
        client = self._redis()
        if client is None:
            return
        family = GaugeMetricFamily(
            "safeguard_celery_queue_length",
            "Messages waiting in each Celery queue.",
            labels=["queue"],
        )
        sep = "\x06\x16"
        keys = {q: [q] + [f"{q}{sep}{p}" for p in (1, 2, 3, 4, 5, 6, 7, 8, 9)] for q in QUEUES}
        try:
            with client.pipeline(transaction=False) as pipe:
                for names in keys.values():
                    for key in names:
                        pipe.llen(key)
                lengths = pipe.execute()
        except Exception:  # the broker is down: say so in the log, and report no length
            logger.warning("queue lengths not read: the broker did not answer")
            return
        at = 0
        for queue, names in keys.items():
            family.add_metric([queue], sum(int(n) for n in lengths[at : at + len(names)]))
            at += len(names)
        yield family


register_scrape_collector(QueueLengths())


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    return registry


def exposition() -> bytes:
    """Everything /metrics serves: this process's (or every process's) figures, then the
    collectors read now."""
    base = generate_latest(_registry() if multiprocess_dir() else REGISTRY)
    scraped = CollectorRegistry()
    for collector in _scrape_collectors:
        scraped.register(collector)
    return base + generate_latest(scraped)


def _authorised(request: HttpRequest) -> bool:
    token = str(getattr(settings, "METRICS_TOKEN", "") or "")
    if not token:
        return False
    given = request.headers.get("Authorization", "")
    scheme, _, secret = given.partition(" ")
    if scheme.lower() != "bearer":
        secret = ""
    return hmac.compare_digest(secret.strip().encode(), token.encode())


@transaction.non_atomic_requests
@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """The figures for Prometheus: 404 unless METRICS_TOKEN is set and sent as a Bearer token."""
    if not _authorised(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


# --- Worker processes ---------------------------------------------------------------------------


def worker_metrics_dir(port: str) -> str:
    """A directory of the worker's own when PROMETHEUS_MULTIPROC_DIR is not given."""
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"safeguard-worker-metrics-{port}"  # noqa: S108
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return str(path)


def clear_other_processes(directory: str) -> None:
    """Remove the figures of processes of an earlier run (their pids are in the file names)."""
    for file in Path(directory).glob("*.db"):
        if not file.stem.endswith(f"_{os.getpid()}"):
            file.unlink(missing_ok=True)


def start_worker_server(**_: Any) -> None:
    """In the worker's main process, before the pool starts: serve every pool process's figures
    on WORKER_METRICS_PORT (WORKER_METRICS_ADDRESS, 127.0.0.1 unless set)."""
    port = os.environ.get("WORKER_METRICS_PORT")
    directory = multiprocess_dir()
    if not port or not directory:
        return
    from prometheus_client import start_http_server

    clear_other_processes(directory)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    address = os.environ.get("WORKER_METRICS_ADDRESS", "127.0.0.1")
    start_http_server(int(port), addr=address, registry=registry)
    logger.info("worker metrics served on %s:%s", address, port)
