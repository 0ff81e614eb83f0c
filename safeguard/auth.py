"""Authentication helpers shared by sign-in and the lock-out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def normalise_email(value: str | None) -> str:
    """Email addresses are compared without case or surrounding spaces."""
    return (value or "").strip().lower()


# The longest email address there is; django-axes keeps the name in a column of 255 characters.
_LONGEST_EMAIL = 254


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The key django-axes counts failures under: the normalised email address, as it can be
    stored (no NUL, which PostgreSQL refuses, and no longer than an email address can be)."""
    if credentials and credentials.get("username"):
        typed = credentials["username"]
    else:
        typed = request.POST.get("username") if request is not None else ""
    return normalise_email(str(typed or "")).replace("\x00", "")[:_LONGEST_EMAIL]
