"""Sign-in limits beyond django-axes' per-account-and-address lock (issue 16, docs/adr/0028):
one address trying passwords across many accounts, and one account tried from many addresses;
and a cap on password-reset emails. Counted in the database, so every web process shares them."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from safeguard.auth import normalise_email
from safeguard.client_ip import client_ip
from safeguard.models import RateEvent
from safeguard.ratelimit import rate_allow, rate_count, rate_key, rate_record

logger = logging.getLogger(__name__)

ADDRESS, ACCOUNT = "sign-in-address", "sign-in-account"
RESET_ACCOUNT, RESET_ADDRESS = "reset-account", "reset-address"
HOUR = timedelta(hours=1)


def _window() -> timedelta:
    cooloff: timedelta = settings.AXES_COOLOFF_TIME
    return cooloff


@receiver(user_login_failed)
def _count_failure(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any
) -> None:
    if request is None:
        return
    rate_record(ADDRESS, client_ip(request) or "")
    rate_record(ACCOUNT, normalise_email(credentials.get("username")))


@receiver(user_logged_in)
def _forget_account_failures(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    sign_in_failures_forget(user.email)


def sign_in_failures_forget(email: str) -> None:
    """The account's failures no longer count (a right password, or a password reset)."""
    RateEvent.objects.filter(key=rate_key(ACCOUNT, normalise_email(email))).delete()


def sign_in_refused(request: HttpRequest, email: str) -> bool:
    """Too many failures lately from this address across accounts, or on this account from
    any address: refuse before the password is even checked."""
    window = _window()
    from_address = rate_count(ADDRESS, client_ip(request) or "", within=window)
    on_account = rate_count(ACCOUNT, normalise_email(email), within=window)
    return (
        from_address >= settings.SIGN_IN_FAILURES_PER_ADDRESS
        or on_account >= settings.SIGN_IN_FAILURES_PER_ACCOUNT
    )


def reset_email_allowed(request: HttpRequest, email: str) -> bool:
    """Whether a password-reset email may go now: a few an hour to one account, more to one
    address (a school shares one). A refusal is not shown (that would say the account exists);
    it is logged."""
    allowed = rate_allow(
        RESET_ADDRESS,
        client_ip(request) or "",
        limit=settings.RESET_EMAILS_PER_ADDRESS,
        within=HOUR,
    ) and rate_allow(
        RESET_ACCOUNT, normalise_email(email), limit=settings.RESET_EMAILS_PER_ACCOUNT, within=HOUR
    )
    if not allowed:
        logger.warning("password reset email not sent: hourly limit reached")
    return allowed
