"""The reporter's draft (Part 1) before it is signed: starting it, autosaving what has been typed
(refusing to overwrite a save made in another tab), the pupils involved and how, and discarding it.
Only the author changes a draft; a submitted concern never changes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F

from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import Pupil, School, User

from ..models import (
    PART_1_TEXT_FIELDS,
    BodyMapMark,
    Concern,
    ConcernPupil,
    Involvement,
    InvolvementCategory,
)
from ._shared import _require_author_draft
from .attachments import attachment_remove
from .categories import categories_for
from .errors import DraftConflictError

DRAFT_TEXT_FIELDS = PART_1_TEXT_FIELDS
MAX_PUPILS = 30


@transaction.atomic
def concern_start(*, actor: User, school: School, pupil: Pupil | None = None) -> Concern:
    """A new draft concern in the school, optionally about a first pupil."""
    if not access_for(actor).has(Perm.LOG_CONCERN, school):
        raise PermissionDenied("You cannot log concerns in this school.")
    concern = Concern(school=school, author=actor)
    # Its fields checked; not its uniqueness and constraints, which a new draft (a random id, no
    # reference, hash or alert id) cannot break: Django would ask the database ten times to see
    # so, and the database holds them anyway.
    concern.full_clean(validate_unique=False, validate_constraints=False)
    concern.save()
    if pupil is not None:
        concern_pupil_add(actor=actor, concern=concern, pupil=pupil)
    return concern


@transaction.atomic
def concern_draft_update(
    *,
    actor: User,
    concern: Concern,
    values: dict[str, Any],
    expected_version: int | None = None,
    editor: str = "",
) -> Concern:
    """Save what the reporter has typed so far (drafts need not be complete).

    With `expected_version`, refuse (DraftConflictError) if the draft was saved elsewhere since
    that version was read: two tabs or devices never silently overwrite each other.
    """
    _require_author_draft(actor, concern)
    locked = (
        Concern.objects.select_for_update().only("draft_version", "draft_editor").get(pk=concern.pk)
    )
    stale = expected_version is not None and locked.draft_version != expected_version
    if stale and not (editor and locked.draft_editor == editor):
        raise DraftConflictError(locked.draft_version)
    concern.draft_editor = editor[:32]
    for field in DRAFT_TEXT_FIELDS:
        if field in values:
            setattr(concern, field, values[field] or "")
    if "incident_at" in values:
        concern.incident_at = values["incident_at"]
    if "immediate_danger" in values:
        concern.immediate_danger = values["immediate_danger"]
    concern.draft_version = F("draft_version") + 1
    concern.save()
    concern.refresh_from_db(fields=["draft_version"])
    return concern


@transaction.atomic
def concern_pupil_add(*, actor: User, concern: Concern, pupil: Pupil) -> ConcernPupil:
    """Add a pupil of the concern's school to the draft (once; at most MAX_PUPILS)."""
    _require_author_draft(actor, concern)
    if pupil.school_id != concern.school_id or not access_for(actor).has(
        Perm.VIEW_PUPILS, pupil.school_id
    ):
        raise PermissionDenied("That pupil is not in this school.")
    if concern.involvements.count() >= MAX_PUPILS:
        raise ValidationError(f"A concern can involve at most {MAX_PUPILS} pupils.")
    involvement, _ = ConcernPupil.objects.get_or_create(
        concern=concern, pupil=pupil, defaults={"school_id": concern.school_id}
    )
    return involvement


@transaction.atomic
def concern_pupil_remove(*, actor: User, involvement: ConcernPupil) -> None:
    """Take a pupil off the draft, with their categories; their body-map marks stay, unassigned."""
    _require_author_draft(actor, involvement.concern)
    InvolvementCategory.objects.filter(involvement=involvement).delete()
    BodyMapMark.objects.filter(concern=involvement.concern, pupil=involvement.pupil).update(
        pupil=None
    )
    involvement.delete()


@transaction.atomic
def involvement_update(
    *,
    actor: User,
    involvement: ConcernPupil,
    kind: str,
    other: str = "",
    category_ids: Iterable[int] = (),
) -> ConcernPupil:
    """Set one pupil's involvement and that pupil's own categories."""
    _require_author_draft(actor, involvement.concern)
    if kind and kind not in Involvement.values:
        raise ValidationError({"involvement": "Choose how the pupil was involved"})
    involvement.involvement = kind
    # Typed in a box no Django form reads: a NUL (which no keyboard types, and PostgreSQL
    # refuses) is dropped here rather than refused.
    other = other.replace("\x00", "").strip()[:200]
    involvement.involvement_other = other if kind == Involvement.OTHER else ""
    involvement.save()
    available = {c.pk: c.parent_id for c in categories_for(school=involvement.concern.school)}
    posted = {int(c) for c in category_ids} & set(available)
    # A sub-category counts only with its heading ticked (unticking a heading hides, but still
    # sends, its sub-categories); a specific category says more than its heading, so the heading
    # is kept only when chosen alone.
    wanted = {c for c in posted if available[c] is None or available[c] in posted}
    wanted -= {available[c] for c in wanted if available[c]}
    InvolvementCategory.objects.filter(involvement=involvement).exclude(
        category_id__in=wanted
    ).delete()
    existing = set(
        InvolvementCategory.objects.filter(involvement=involvement).values_list(
            "category_id", flat=True
        )
    )
    InvolvementCategory.objects.bulk_create(
        [
            InvolvementCategory(
                school_id=involvement.school_id, involvement=involvement, category_id=c
            )
            for c in wanted - existing
        ]
    )
    return involvement


@transaction.atomic
def concern_discard(*, actor: User, concern: Concern) -> None:
    """Delete a draft (never a submitted concern)."""
    _require_author_draft(actor, concern)
    for attachment in list(concern.attachments.all()):
        attachment_remove(actor=actor, attachment=attachment)
    InvolvementCategory.objects.filter(involvement__concern=concern).delete()
    concern.delete()
