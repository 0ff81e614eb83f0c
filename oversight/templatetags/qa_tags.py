"""The QA feedback section of the concern page (one query, none when the reader cannot see it)."""

from __future__ import annotations

from typing import Any

from django import template

from oversight.qa.selectors import qa_review_for_concern
from safeguard.access import access_for
from safeguard.roles import Perm

register = template.Library()


@register.inclusion_tag("oversight/_concern_qa.html", takes_context=True)
def concern_qa(context: Any, concern: Any) -> dict[str, Any]:
    user = context["request"].user
    access = access_for(user)
    if not (
        access.has(Perm.MANAGE_CP_RECORDS, concern.school_id)
        or access.has(Perm.QA_REVIEW, concern.school_id)
    ):
        return {"review": None}
    return {"review": qa_review_for_concern(actor=user, concern=concern)}
