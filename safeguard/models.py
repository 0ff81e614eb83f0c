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
