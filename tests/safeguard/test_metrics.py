"""Prometheus metrics (issue 19, docs/adr/0039): /metrics only with the token, the figures the
operator alerts on, and a real Celery worker counting the tasks it runs and serving its figures
on its own port."""

from __future__ import annotations

import datetime
import json
import re
import shutil
import tempfile
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from safeguard.models import Notification
from tests.support.processes import Worker, free_port, wait_for
from tests.support.world import World

TOKEN = "metrics-token-for-the-tests-0123456789"


def _value(text: str, name: str, **labels: str) -> float | None:
    """The sample `name{labels}` of an exposition, or None."""
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.match(r"([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)", line)
        if not match or match.group(1) != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(match.group(3))
    return None


def _scrape(client: Any) -> str:
    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


def test_without_a_token_configured_the_page_is_not_there(client: Any, db: None) -> None:
    assert settings.METRICS_TOKEN == ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_only_the_token_opens_it(client: Any, world: World) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}").status_code == 404
    client.force_login(world.users["dsl"])  # signing in is not the token
    assert client.get("/metrics").status_code == 404
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405
    text = _scrape(client)
    # django-prometheus's request figures, by view, never by path
    assert _value(text, "django_http_requests_total_by_method_total", method="GET") is not None
    # Labels are view names (other tests' requests may have counted "pupil-chronology"), never
    # a path with a record's id, nor a name.
    assert "/pupils/" not in text
    assert world.pupil.legal_last_name not in text
    assert world.users["dsl"].email not in text


@override_settings(METRICS_TOKEN=TOKEN)
def test_queue_lengths_are_read_from_the_broker_when_scraped(client: Any, db: None) -> None:
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("exports", "alerts", "default")
    try:
        broker.lpush("exports", "m1", "m2")
        broker.lpush("alerts\x06\x163", "m3")  # a priority sub-queue
        text = _scrape(client)
        assert _value(text, "safeguard_celery_queue_length", queue="exports") == 2
        assert _value(text, "safeguard_celery_queue_length", queue="alerts") == 1
        assert _value(text, "safeguard_celery_queue_length", queue="default") == 0
    finally:
        broker.delete("exports", "alerts\x06\x163")


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_reminder_backlog_counts_a_reminder_not_yet_emailed(client: Any, world: World) -> None:
    from reminders.models import Reminder

    text = _scrape(client)
    assert _value(text, "safeguard_reminders_undelivered") == 0
    assert _value(text, "safeguard_reminders_undelivered_oldest_seconds") == 0
    school, dsl = world.school_of("own"), world.users["dsl"]

    def remind(key: str, sent: datetime.datetime | None) -> None:
        note = Notification.objects.create(
            school=school, recipient=dsl, kind="reminder", title="An action is due", link="/"
        )
        Notification.objects.filter(pk=note.pk).update(
            email_sent_at=sent, created_at=timezone.now() - datetime.timedelta(minutes=20)
        )
        Reminder.objects.create(school=school, recipient=dsl, key=key, notification=note)

    remind("action-overdue:1", None)  # due, not emailed
    remind("action-overdue:2", timezone.now())  # done: emailed
    text = _scrape(client)
    assert _value(text, "safeguard_reminders_undelivered") == 1
    oldest = _value(text, "safeguard_reminders_undelivered_oldest_seconds")
    assert oldest is not None
    assert 20 * 60 <= oldest < 25 * 60


def test_a_failed_export_is_timed_as_failed(db: None) -> None:
    from transfers.metrics import EXPORT_SECONDS
    from transfers.tasks import export_render

    def failed() -> float:
        return _value_of(EXPORT_SECONDS, "safeguard_export_duration_seconds_count", "failed")

    before = failed()
    with pytest.raises(Exception):  # noqa: B017, PT011 (no such export: the task fails)
        export_render.run("00000000-0000-0000-0000-000000000000")
    assert failed() == before + 1


def _value_of(metric: Any, sample: str, outcome: str) -> float:
    for family in metric.collect():
        for s in family.samples:
            if s.name == sample and s.labels.get("outcome") == outcome:
                return float(s.value)
    return 0.0


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_a_real_worker_counts_the_task_it_ran_and_logs_it_as_json() -> None:
    from safeguard.request_id import request_id
    from safeguard.tasks import sessions_clear_expired

    port = free_port()
    worker = Worker(broker_url=settings.CELERY_BROKER_URL, smtp_port=free_port())
    worker.env.update({"WORKER_METRICS_PORT": str(port), "LOG_FORMAT": "json"})
    worker.env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    url = f"http://127.0.0.1:{port}/metrics"

    def figures() -> str:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return str(answer.read().decode())

    def ran() -> float:
        return (
            _value(
                figures(),
                "safeguard_celery_tasks_total",
                task="safeguard.sessions_clear_expired",
                outcome="succeeded",
            )
            or 0.0
        )

    worker.start()
    try:
        assert ran() == 0
        token = request_id.set("req-from-the-page-0001")
        try:
            result = sessions_clear_expired.delay()
        finally:
            request_id.reset(token)
        wait_for("the worker to count the task", lambda: ran() == 1, 60)
        text = figures()
        assert (
            _value(
                text,
                "safeguard_celery_task_duration_seconds_count",
                task="safeguard.sessions_clear_expired",
            )
            == 1
        )
        output = worker.output()
    finally:
        worker.stop()
        shutil.rmtree(
            Path(tempfile.gettempdir()) / f"safeguard-worker-metrics-{port}", ignore_errors=True
        )
    # Every line is JSON, but the one Celery prints from its signal handler as it stops (not
    # through logging): "worker: Warm shutdown (MainProcess)".
    lines = [
        json.loads(line)
        for line in output.splitlines()
        if line.strip() and line != "worker: Warm shutdown (MainProcess)"
    ]
    mine = [line for line in lines if line.get("task_id") == result.id]
    assert mine, "no line of the worker's carries the task's id"
    assert all(line["request_id"] == "req-from-the-page-0001" for line in mine)
    assert all(line["task_name"] == "safeguard.sessions_clear_expired" for line in mine)
