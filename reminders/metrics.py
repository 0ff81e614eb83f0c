"""The reminder backlog, read when /metrics is scraped (docs/adr/0039): reminders raised whose
email has not gone yet, and how long the oldest has waited. One query, counts only: no school,
no person, no title."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .models import Reminder

logger = logging.getLogger(__name__)


class ReminderBacklog(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            figures = Reminder.objects.filter(
                notification__isnull=False, notification__email_sent_at__isnull=True
            ).aggregate(waiting=Count("pk"), oldest=Min("notification__created_at"))
        except DatabaseError:  # the other figures are still worth a scrape
            logger.warning("reminder backlog not read: the database did not answer")
            return
        oldest = figures["oldest"]
        yield GaugeMetricFamily(
            "safeguard_reminders_undelivered",
            "Reminders raised whose email has not been sent yet.",
            value=figures["waiting"],
        )
        yield GaugeMetricFamily(
            "safeguard_reminders_undelivered_oldest_seconds",
            "How long the oldest reminder not yet emailed has waited (0 when none).",
            value=(timezone.now() - oldest).total_seconds() if oldest else 0.0,
        )
