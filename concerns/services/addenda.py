"""Addenda: a later fact on a submitted concern, signed and citing the concern's hash; the concern
itself never changes."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from safeguard.access import access_for
from safeguard.roles import Perm
from safeguard.signing import content_hash
from schools.models import User

from ..content import addendum_content
from ..models import Addendum, Concern
from ._shared import _chronicle


@transaction.atomic
def addendum_add(*, actor: User, concern: Concern, text: str) -> Addendum:
    """A later fact on a submitted concern, signed; the concern itself never changes."""
    if concern.is_draft:
        raise ValidationError("Submit the concern first; until then, edit the draft.")
    if not text.strip():
        raise ValidationError({"text": "Enter the information to add"})
    can = concern.author_id == actor.pk or access_for(actor).has(
        Perm.MANAGE_CP_RECORDS, concern.school_id
    )
    if not can:
        raise PermissionDenied("Only the author or a DSL can add to this concern.")
    now = timezone.now()
    addendum = Addendum(
        school_id=concern.school_id,
        concern=concern,
        author=actor,
        author_name=actor.full_name,
        author_job_title=actor.job_title,
        text=text.strip(),
        signed_at=now,
    )
    addendum.content_hash = content_hash(addendum_content(addendum, concern))
    addendum.full_clean()
    addendum.save()
    _chronicle(
        concern,
        kind="addendum_added",
        source=addendum,
        source_hash=addendum.content_hash,
        occurred_at=now,
        summary=f"Addendum to {concern.reference} by {addendum.author_name}",
        actor=actor,
    )
    return addendum
