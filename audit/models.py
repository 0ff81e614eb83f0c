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
