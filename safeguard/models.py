"""Base models of the tenancy kernel."""

import uuid

from django.db import models


class TenantModel(models.Model):
    """A record owned by one school: the school is never null and never taken from request data."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    school = models.ForeignKey(
        "schools.School", on_delete=models.PROTECT, related_name="+", db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Notification(TenantModel):
    """A message to one person: shown in the product and, once, by email.

    Written in the same transaction as the change that causes it (the outbox); a Celery task
    delivers the email after commit, and a scheduled relay retries what is still unsent, so a
    broker that is down loses nothing. Titles and emails never carry a child's details: the link
    does, behind sign-in.
    """

    recipient = models.ForeignKey(
        "schools.User", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    link = models.CharField(max_length=300)
    urgent = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["email_sent_at", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class DigestSent(models.Model):
    """That one person was sent their daily digest on one day, so a second run sends nothing.

    Global, not tenant-owned: one digest covers every school where the person is a safeguarding
    lead, and the row holds no school's data and no child's, only who was emailed on which day.
    """

    recipient = models.ForeignKey(
        "schools.User", on_delete=models.CASCADE, related_name="digests_sent"
    )
    day = models.DateField()
    unread = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "day"], name="digest_once_per_person_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"Digest for user {self.recipient_id} on {self.day:%Y-%m-%d}"


class RateEvent(models.Model):
    """One counted attempt (a failed sign-in, a password-reset email) under a hashed key such as
    an address or an account, for limits every web process shares (safeguard/ratelimit.py). Holds
    no email address or IP in the clear; rows older than the longest window are deleted."""

    key = models.CharField(max_length=64)  # SHA-256 of the kind and value
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.key[:12]} at {self.created_at:%Y-%m-%d %H:%M}"
