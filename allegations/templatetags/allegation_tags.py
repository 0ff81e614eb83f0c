"""Whether the navigation shows "Allegations": handlers of the acting school, and people named on
one of its allegations (looked up only for people who are not handlers, and cached briefly)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def allegations_link_shown(context: Any) -> bool:
    can = context.get("can") or {}
    if can.get("manage_allegations"):
        return True
    request = context.get("request")
    school = context.get("acting_school")
    if request is None or school is None:
        return False
    from allegations.selectors import is_named_in

    return is_named_in(actor=request.user, school=school)
