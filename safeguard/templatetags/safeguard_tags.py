"""Small template filters shared by the pages."""

import datetime
from typing import Any

from django import template

register = template.Library()


@register.filter
def join_if_list(value: Any, separator: str = ", ") -> str:
    """A list of choices as "a, b"; anything else as itself."""
    if isinstance(value, list | tuple):
        return separator.join(str(v) for v in value)
    return value


@register.filter
def words(value: str) -> str:
    """snake_case to plain words: "dsl_record" becomes "Dsl record"."""
    return str(value).replace("_", " ").capitalize()


@register.filter
def machine_time(value: Any) -> str:
    """A `<time datetime>` value HTML accepts: a date as 2026-12-06, a moment to the second with
    its offset (2026-12-06T12:01:33+00:00); Django's "c" writes microseconds HTML refuses."""
    if isinstance(value, datetime.datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return ""
