"""Who looked at what: a row for every view of a pupil's child-protection records.

Rows hold no narrative text: who, which school and pupil, what kind of record (and its id), when,
and from which address. Nobody edits them (database guards).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safeguard.models import TenantModel


class AccessLog(TenantModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(
        "schools.Pupil", null=True, blank=True, on_delete=models.PROTECT, related_name="access_log"
    )
    what = models.CharField(max_length=40)  # e.g. "concern", "dsl_record", "chronology"
    record_id = models.CharField(max_length=40, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["pupil", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.what} {self.record_id}"


class PlatformAdminAction(models.TextChoices):
    SCHOOL_CHANGED = "school_changed", "Changed the school's details"
    TRUST_CHANGED = "trust_changed", "Changed the trust's details"
    ADMIN_INVITED = "admin_invited", "Invited a school administrator"
    TSO_INVITED = "tso_invited", "Invited a trust safeguarding officer"
    PASSWORD_RESET_SENT = "password_reset_sent", "Sent a password reset link"
    ACCOUNT_CHANGED = "account_changed", "Changed a person's account"
    ACCOUNT_DEACTIVATED = "account_deactivated", "Deactivated a person's account"
    ACCOUNT_REACTIVATED = "account_reactivated", "Reactivated a person's account"
    RETENTION_CHANGED = "retention_changed", "Changed the trust's retention policy"
    SIGNING_KEY_DELETED = "signing_key_deleted", "Deleted a signing key"


class PlatformAdminEvent(TenantModel):
    """Something the platform administrator did that touches the school, told to its head and
    DSL. Append-only (database guards). Holds who, when, what and on which object: a school, a
    person on the staff or a setting, never a child's details."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    actor_email = models.CharField(max_length=254)
    action = models.CharField(max_length=40, choices=PlatformAdminAction.choices)
    subject = models.CharField(max_length=300)  # e.g. the school's name, "Jo Bloggs (jo@...)"
    detail = models.TextField(blank=True)  # e.g. which fields changed

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.subject}"
