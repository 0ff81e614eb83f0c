"""A real Celery worker on the real broker (Redis in `make test`) runs the kernel's tasks."""

from __future__ import annotations

import datetime
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from safeguard.celery import app
from safeguard.tasks import sessions_clear_expired


def test_settings_make_delivery_safe() -> None:
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.task_always_eager is False
    assert settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_worker_clears_expired_sessions() -> None:
    live = SessionStore()
    live.create()
    stale = SessionStore()
    stale.create()
    Session.objects.filter(session_key=stale.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        sessions_clear_expired.delay()
        deadline = time.monotonic() + 30
        while Session.objects.filter(session_key=stale.session_key).exists():
            assert time.monotonic() < deadline, "the worker did not run the task within 30 s"
            time.sleep(0.2)
    assert Session.objects.filter(session_key=live.session_key).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_worker_delivers_the_immediate_danger_alert_once(world, categories) -> None:
    from django.core import mail

    from concerns import services
    from safeguard.models import Notification
    from tests.concerns.conftest import draft

    concern = draft(world.users["staff"], [world.pupil], categories, danger=True)
    with start_worker(app, perform_ping_check=False, pool="solo", shutdown_timeout=10):
        services.concern_submit(actor=world.users["staff"], concern=concern)  # commits: enqueued
        deadline = time.monotonic() + 30
        while Notification.objects.filter(
            kind="immediate_danger", email_sent_at__isnull=True
        ).exists():
            assert time.monotonic() < deadline, "the worker did not deliver the alerts within 30 s"
            time.sleep(0.2)
    urgent = [m for m in mail.outbox if m.subject.startswith("URGENT:")]
    assert sorted(m.to[0] for m in urgent) == ["deputy@alpha.example", "dsl@alpha.example"]
    assert all(world.pupil.legal_last_name not in m.body for m in urgent)
