"""Writes of a person's own account: the sessions they are signed in with, their password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from safeguard.client_ip import client_ip
from schools.models import SignedInSession, User
from schools.staff.services import PASSWORD_CHANGED, account_email_queue

from .browsers import browser_name

SEEN = "safeguard_session_seen"
SEEN_EVERY = timedelta(minutes=5)  # "last active" is this precise, for one write per 5 minutes


def _row_for(request: HttpRequest, user: Any) -> None:
    key = request.session.session_key
    if not key:
        return
    SignedInSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "last_seen_at": timezone.now(),
            "ip_address": client_ip(request),
            "browser": browser_name(request.headers.get("User-Agent", ""))[:120],
        },
    )
    request.session[SEEN] = timezone.now().timestamp()


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        _row_for(request, user)


def signed_in_session_seen(request: HttpRequest) -> None:
    """Note that this session is in use, at most every few minutes (one write, not one a page)."""
    seen = request.session.get(SEEN)
    if seen is None or timezone.now().timestamp() - seen > SEEN_EVERY.total_seconds():
        _row_for(request, request.user)


@transaction.atomic
def sessions_end_others(*, actor: Any, current_key: str | None) -> int:
    """Sign the person out everywhere but here; how many sessions ended."""
    others = SignedInSession.objects.filter(user=actor).exclude(session_key=current_key or "")
    keys = list(others.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    others.delete()
    return len(keys)


@transaction.atomic
def password_changed(*, request: HttpRequest, user: User) -> int:
    """After a new password is saved: this session stays signed in, every other one ends (Django
    also refuses them: their password hash no longer matches), and the person is emailed."""
    before = request.session.session_key
    update_session_auth_hash(request, user)  # gives this session a new key: the row follows it
    SignedInSession.objects.filter(session_key=before).update(
        session_key=request.session.session_key
    )
    ended = sessions_end_others(actor=user, current_key=request.session.session_key)
    account_email_queue(PASSWORD_CHANGED, user, "")
    return ended
