"""API clients and the record of every call they make (issue 17, docs/adr/0035)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class ApiClient(models.Model):
    """A system registered by a school's DSL or head (for that school) or the trust's TSO (for
    one school or the whole trust), with named scopes. It acts as its own account (`user`: no
    password, no membership, so no page, list or email ever takes it for a person); its secret
    is a knox token on that account, kept only as a hash and shown once."""

    name = models.CharField(max_length=100)
    school = models.ForeignKey(
        "schools.School", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trust = models.ForeignKey(
        "schools.Trust", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scopes = models.JSONField(default=list)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    secret_expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(school__isnull=False, trust__isnull=True)
                | Q(school__isnull=True, trust__isnull=False),
                name="api_client_one_school_or_one_trust",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiCall(models.Model):
    """One call by a client: who, when, which route (its pattern: no ids, no query string, no
    body), the scope it used, the school or trust it named and the answer's status, a server
    error's too. Append-only."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="calls")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    method = models.CharField(max_length=10)
    route = models.CharField(max_length=200)
    scope = models.CharField(max_length=30, blank=True)
    school_id = models.BigIntegerField(null=True, blank=True)
    trust_id = models.BigIntegerField(null=True, blank=True)  # a trust's operation's
    status = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["client", "-at"], name="api_call_client_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.route} {self.status}"
