"""The set-password link of an invitation: single use, expiring after `STAFF_INVITATION_DAYS`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Like the password-reset token, with its own salt (a reset token is never an invitation,
    nor the other way round) and its own lifetime.

    The hash covers the password (so the link stops working once a password is chosen), the last
    sign-in and whether the account is active (so deactivating a leaver kills their link).
    """

    key_salt = "safeguard.schools.staff.InvitationTokenGenerator"

    def _make_hash_value(self, user: Any, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{int(user.is_active)}"

    @property
    def timeout_seconds(self) -> int:
        return int(settings.STAFF_INVITATION_DAYS) * 24 * 60 * 60

    def check_token(self, user: Any, token: str | None) -> bool:
        """True for a token made for this user's current state and younger than the timeout."""
        if not (user and token):
            return False
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return False
        for secret in [self.secret, *self.secret_fallbacks]:
            if constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token):
                break
        else:
            return False
        return (self._num_seconds(self._now()) - ts) <= self.timeout_seconds


invitation_tokens = InvitationTokenGenerator()
