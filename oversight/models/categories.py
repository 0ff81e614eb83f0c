"""Category governance (docs/adr/0019). The trust's category list itself is concerns.Category
(trust-owned). Schools ask for a new category; the TSO decides; every change to the list is
written once into its history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from safeguard.models import TenantModel


class CategoryRequestStatus(models.TextChoices):
    PENDING = "pending", "Waiting for the trust"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class CategoryRequest(TenantModel):
    """A school's request for a new category on the trust's list (name, where, why) and the
    trust safeguarding officer's decision with its reason."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_name = models.CharField(max_length=200)
    name = models.CharField(max_length=120)
    # Where in the list: under this heading, or a new heading when empty.
    parent = models.ForeignKey(
        "concerns.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    status = models.CharField(
        max_length=10,
        choices=CategoryRequestStatus.choices,
        default=CategoryRequestStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by_name = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    # The category the approval created.
    category = models.ForeignKey(
        "concerns.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school", "status", "created_at"])]

    def __str__(self) -> str:
        return f"Request for the category {self.name}"

    @property
    def is_pending(self) -> bool:
        return self.status == CategoryRequestStatus.PENDING


class CategoryChangeKind(models.TextChoices):
    ADDED = "added", "Added"
    RENAMED = "renamed", "Renamed"
    RETIRED = "retired", "Retired"
    RESTORED = "restored", "Restored"
    REQUEST_DECLINED = "request_declined", "Request declined"


class CategoryChange(models.Model):
    """One change to a trust's category list: who, when, what, from and to. Append-only (a
    database trigger refuses UPDATE and DELETE). Trust-level: it names categories and people,
    never a child, so it is on the global allow-list."""

    trust = models.ForeignKey("schools.Trust", on_delete=models.PROTECT, related_name="+")
    category = models.ForeignKey(
        "concerns.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=CategoryChangeKind.choices)
    # The category's full label before and after ("Heading > Name"); empty where none.
    from_label = models.CharField(max_length=250, blank=True)
    to_label = models.CharField(max_length=250, blank=True)
    detail = models.TextField(blank=True)  # a declined request's reason, the sub-categories retired
    request = models.ForeignKey(
        CategoryRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requesting_school_name = models.CharField(max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_by_name = models.CharField(max_length=200)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["trust", "changed_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.to_label or self.from_label}"
