"""Reads of a person's own account."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.db.models import Exists, OuterRef
from django.utils import timezone

from schools.models import SignedInSession


def signed_in_sessions_for(*, actor: Any) -> list[SignedInSession]:
    """Where the person is signed in now: only sessions that have not ended or expired."""
    live = Session.objects.filter(
        session_key=OuterRef("session_key"), expire_date__gt=timezone.now()
    )
    return list(SignedInSession.objects.filter(user=actor).filter(Exists(live)))
