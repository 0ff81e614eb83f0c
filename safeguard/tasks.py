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


@shared_task(
    name="safeguard.notification_deliver",
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def notification_deliver(notification_id: str) -> bool:
    """Email one notification (idempotent: a sent one is not sent again)."""
    from .notifications import notification_deliver_email

    return notification_deliver_email(notification_id=notification_id)


@shared_task(name="safeguard.notifications_relay")
def notifications_relay() -> int:
    """Deliver every notification whose email is still unsent (after a broker outage)."""
    from .models import Notification
    from .notifications import notification_deliver_email

    sent = 0
    for pk in Notification.objects.filter(email_sent_at__isnull=True).values_list("pk", flat=True):
        sent += notification_deliver_email(notification_id=str(pk))
    return sent


@shared_task(name="safeguard.notifications_digest")
def notifications_digest(day: str | None = None) -> int:
    """Email each safeguarding lead with unread notifications their digest, once a day."""
    import datetime

    from .notifications import notifications_digest_send_all

    on = datetime.date.fromisoformat(day) if day else timezone.localdate()
    return notifications_digest_send_all(day=on)
