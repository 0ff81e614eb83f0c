"""A reminder raised once: the scheduled review records each (person, key) it has told.

The key names what is due and when (e.g. ``action-overdue:<id>``, ``ra-review:<id>:2026-12-01``),
so the review can run every few minutes, twice, or after a crash, and nobody is told twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safeguard.models import TenantModel


class Reminder(TenantModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminders"
    )
    key = models.CharField(max_length=120)
    notification = models.ForeignKey(
        "safeguard.Notification", null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="reminder_once_per_person")
        ]
        indexes = [models.Index(fields=["key"])]

    def __str__(self) -> str:
        return self.key
