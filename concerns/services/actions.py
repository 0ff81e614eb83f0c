"""Follow-up actions on a concern: the DSL gives one to someone in the school with a due date, and
its owner (or a DSL) records what was done, which the chronology keeps. An action on a restricted
concern is only for those who may read it (docs/adr/0032)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.notifications import NotificationKind, notify
from safeguard.signing import content_hash
from schools.models import SchoolMembership, User

from ..content import action_done_content
from ..models import Action, Concern
from ..selectors import action_visible_q, concern_readable_by
from ._shared import _chronicle, _require_manager


@transaction.atomic
def action_assign(
    *, actor: User, concern: Concern, description: str, owner: User, due_on: datetime.date
) -> Action:
    """Give someone in the school an action on the concern, due on a day; they are told."""
    _require_manager(actor, concern.school_id)
    if not SchoolMembership.objects.filter(user=owner, school_id=concern.school_id).exists():
        raise ValidationError({"owner": "Choose someone who works in this school"})
    if concern.restricted and not concern_readable_by(person=owner, concern=concern):
        raise ValidationError(
            {"owner": "Choose the DSL or someone named on this restricted concern"}
        )
    action = Action(
        school_id=concern.school_id,
        concern=concern,
        description=description.strip(),
        owner=owner,
        due_on=due_on,
        created_by=actor,
    )
    action.full_clean()
    action.save()
    notify(
        school=concern.school,
        recipients=[owner],
        kind=NotificationKind.ACTION_ASSIGNED,
        title=f"An action on concern {concern.reference} is yours, due {due_on:%d/%m/%Y}",
        link=reverse("action-list"),
    )
    return action


@transaction.atomic
def action_complete(*, actor: User, action: Action, note: str) -> Action:
    """Record what was done (the owner or a DSL); done once, and kept in the chronology."""
    action = Action.objects.select_for_update().select_related("concern").get(pk=action.pk)
    if not Action.objects.filter(action_visible_q(actor), pk=action.pk).exists():
        # Neither its owner nor a DSL, or the concern is restricted and they are not named.
        raise PermissionDenied("Only the owner or a DSL can complete this action.")
    if action.done_at is not None:
        return action
    if not note.strip():
        raise ValidationError({"done_note": "Enter what was done"})
    action.done_at = timezone.now()
    action.done_by = actor
    action.done_note = note.strip()
    action.save()
    _chronicle(
        action.concern,
        kind="action_done",
        source=action,
        source_hash=content_hash(action_done_content(action)),
        occurred_at=action.done_at,
        summary=f"Action on {action.concern.reference} done by {actor.full_name}",
        actor=actor,
    )
    return action
