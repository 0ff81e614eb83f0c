"""Writing notifications into the outbox, and delivering their emails."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    school: Any,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    link: str,
    urgent: bool = False,
) -> list[Notification]:
    """Queue a notification for each recipient, in the caller's transaction."""
    rows = Notification.objects.bulk_create(
        [
            Notification(
                school=school, recipient=r, kind=kind, title=title, link=link, urgent=urgent
            )
            for r in {r.pk: r for r in recipients}.values()
        ]
    )
    ids = [str(n.pk) for n in rows]
    transaction.on_commit(lambda: _enqueue(ids))
    return rows


def _enqueue(ids: list[str]) -> None:
    from .tasks import notification_deliver

    for notification_id in ids:
        try:
            notification_deliver.delay(notification_id)
        except Exception:  # the broker is down: the scheduled relay delivers it later
            logger.warning(
                "broker unavailable; notification %s left for the relay", notification_id
            )


def notification_deliver_email(*, notification_id: str) -> bool:
    """Send the email of one notification once; True when this call sent it."""
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(skip_locked=True)
            .select_related("recipient", "school")
            .filter(pk=notification_id, email_sent_at__isnull=True)
            .first()
        )
        if n is None:
            return False
        n.email_attempts += 1
        body = (
            f"{n.title}\n\nOpen it in Safeguard (you will be asked to sign in):\n"
            f"{settings.SITE_URL.rstrip('/')}{n.link}\n\n"
            "This email does not contain any details about a child."
        )
        send_mail(
            subject=("URGENT: " if n.urgent else "") + n.title,
            message=body,
            from_email=None,
            recipient_list=[n.recipient.email],
        )
        n.email_sent_at = timezone.now()
        n.save(update_fields=["email_attempts", "email_sent_at", "updated_at"])
        return True
