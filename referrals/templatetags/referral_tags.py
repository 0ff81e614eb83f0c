"""The referrals section of the concern page, so the concerns app need not know referrals."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from safeguard.access import access_for
from safeguard.roles import Perm

from ..selectors import referrals_for_concern

register = template.Library()


@register.inclusion_tag("referrals/_concern_referrals.html", takes_context=True)
def concern_referrals(context: Any, concern: Any) -> dict[str, Any]:
    """The referrals made from a concern the reader sees as a CP record (one query), and the
    button to record one for those who manage the school's CP records."""
    user = context["request"].user
    return {
        "concern": concern,
        "referrals": referrals_for_concern(actor=user, concern=concern),
        "manage": access_for(user).has(Perm.MANAGE_CP_RECORDS, concern.school_id),
        "now": context.get("now") or timezone.now(),
    }
