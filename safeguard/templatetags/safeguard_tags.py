"""Small template filters shared by the pages."""

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
