"""Template context: the header's badges, on every page of a signed-in person."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .badges import header_counts


def header_badges(request: HttpRequest) -> dict[str, Any]:
    """The badge counts for the acting school (none before sign-in; zeros with no school)."""
    schools = getattr(request, "schools", None)
    user = getattr(request, "user", None)
    if schools is None or user is None or not user.is_authenticated:
        return {}
    if getattr(request, "two_factor_pending", False):
        # Signed in with the password only, on a two-factor page: no menu, no counts yet.
        return {"two_factor_pending": True}
    triage_count = missing_count = unread_count = 0
    if schools.acting is not None:
        # Every badge (triage, missing children, unread notifications) in one query.
        triage_count, missing_count, unread_count = header_counts(actor=user, school=schools.acting)
    return {
        "triage_count": triage_count,
        "missing_count": missing_count,
        "unread_count": unread_count,
    }
