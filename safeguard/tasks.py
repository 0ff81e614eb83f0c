"""Housekeeping tasks of the kernel: each wraps one service and is idempotent."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task(name="safeguard.sessions_clear_expired")
def sessions_clear_expired() -> int:
    """Delete expired sessions, so a signed-out session cannot linger in the database."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
