"""`{% who_to_call_panel school %}`: the local numbers answering now, for any page."""

from __future__ import annotations

from typing import Any

from django import template

from contacts.selectors import DANGER_KINDS, who_to_call_now

register = template.Library()


@register.inclusion_tag("contacts/_who_to_call_panel.html")
def who_to_call_panel(school: Any) -> dict[str, Any]:
    """Children's social care and the police for the school's local authority, answering now."""
    if school is None:
        return {"now": None}
    return {"now": who_to_call_now(school=school, kinds=DANGER_KINDS)}
