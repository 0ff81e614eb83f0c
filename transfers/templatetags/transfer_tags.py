"""The transfer section of a pupil's safeguarding page (the page has checked access)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from safeguard.access import access_for
from safeguard.roles import Perm
from transfers.models import Retention

from ..selectors import open_transfer_of, received_files_of

register = template.Library()


@register.inclusion_tag("transfers/_pupil_section.html", takes_context=True)
def pupil_transfer_section(context: template.Context, pupil: Any) -> dict[str, Any]:
    """The transfer under way (with its deadline) and the files received from earlier schools."""
    user = context["request"].user
    access = access_for(user)
    if not access.has(Perm.READ_CP_RECORDS, pupil.school_id):
        return {"show": False}
    return {
        "show": True,
        "pupil": pupil,
        "transfer": open_transfer_of(actor=user, pupil=pupil),
        "received": received_files_of(actor=user, pupil=pupil),
        "can_transfer": access.has(Perm.TRANSFER_CP_FILES, pupil.school_id),
        "today": timezone.localdate(),
        "retention": Retention.objects.filter(school_id=pupil.school_id, pupil_id=pupil.pk).first(),
    }
