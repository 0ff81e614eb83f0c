"""Limits shared by every web process: how many times something happened under a key lately."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone

from .models import RateEvent

# No limit looks further back than this; older rows are deleted as new ones come.
LONGEST_WINDOW = timedelta(hours=1)


def rate_key(kind: str, value: str) -> str:
    """The hashed key events of `kind` for `value` are counted under."""
    return hashlib.sha256(f"{kind}\x00{value.strip().lower()}".encode()).hexdigest()


def rate_count(kind: str, value: str, *, within: timedelta) -> int:
    """How many events of `kind` for `value` in the last `within`."""
    since = timezone.now() - within
    return RateEvent.objects.filter(key=rate_key(kind, value), created_at__gte=since).count()


def rate_record(kind: str, value: str) -> None:
    """Count one event of `kind` for `value` (and forget events older than any window)."""
    RateEvent.objects.create(key=rate_key(kind, value))
    RateEvent.objects.filter(created_at__lt=timezone.now() - LONGEST_WINDOW).delete()


def rate_allow(kind: str, value: str, *, limit: int, within: timedelta) -> bool:
    """Whether one more event of `kind` for `value` stays within `limit` in `within`; if so it
    is counted."""
    if rate_count(kind, value, within=within) >= limit:
        return False
    rate_record(kind, value)
    return True
