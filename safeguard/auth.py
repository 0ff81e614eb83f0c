"""Authentication helpers shared by sign-in and the lock-out."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def normalise_email(value: str | None) -> str:
    """Email addresses are compared without case or surrounding spaces."""
    return (value or "").strip().lower()


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The key django-axes counts failures under: the normalised email address."""
    if credentials and credentials.get("username"):
        return normalise_email(credentials["username"])
    return normalise_email(request.POST.get("username") if request is not None else "")
