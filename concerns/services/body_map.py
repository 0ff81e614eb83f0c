"""Marks on the body map of a draft: where an injury was seen, on which side, on which pupil."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from schools.models import Pupil, User

from ..models import BodyMapMark, Concern
from ._shared import _require_author_draft


@transaction.atomic
def body_mark_add(
    *,
    actor: User,
    concern: Concern,
    side: str,
    x: Decimal | float,
    y: Decimal | float,
    description: str,
    pupil: Pupil | None = None,
) -> BodyMapMark:
    """Mark the body map of a draft, optionally for one of its pupils."""
    _require_author_draft(actor, concern)
    if pupil is not None and not concern.involvements.filter(pupil=pupil).exists():
        raise ValidationError({"pupil": "Choose one of the pupils in this concern"})
    mark = BodyMapMark(
        school_id=concern.school_id,
        concern=concern,
        pupil=pupil,
        side=side,
        x=Decimal(str(x)).quantize(Decimal("0.01")),
        y=Decimal(str(y)).quantize(Decimal("0.01")),
        description=description.strip(),
    )
    mark.full_clean()
    mark.save()
    return mark


@transaction.atomic
def body_mark_remove(*, actor: User, mark: BodyMapMark) -> None:
    """Take a mark off the body map of a draft."""
    _require_author_draft(actor, mark.concern)
    mark.delete()
