"""The canonical content of referrals and their updates: what each signature covers. The one
definition, used by the services to sign, by the database guard to freeze the signed columns and
by the open bundle (`transfers/export/bundle.py`) to check.
"""

from __future__ import annotations

from typing import Any

from .models import Referral, ReferralUpdate

# The facts signed when a referral is made (the database guard refuses changes to them).
SIGNED_FIELDS = [
    "school_id",
    "pupil_id",
    "concern_id",
    "agency_id",
    "agency_name",
    "referral_type",
    "urgency",
    "method",
    "made_at",
    "spoken_to",
    "reason",
    "parents_informed",
    "parents_reason",
    "agency_reference",
    "made_by_id",
    "made_by_name",
    "follow_up_due_at",
    "response_due_at",
]
# The facts signed when an update is recorded (updates are append-only).
UPDATE_SIGNED_FIELDS = [
    "school_id",
    "referral_id",
    "kind",
    "occurred_at",
    "source",
    "outcome",
    "escalation_reason",
    "agency_reference",
    "notes",
    "recorded_by_id",
    "recorded_by_name",
]


def referral_content(referral: Referral) -> dict[str, Any]:
    """The signed facts of a referral as made."""
    return {f: getattr(referral, f) for f in SIGNED_FIELDS}


def referral_update_content(update: ReferralUpdate) -> dict[str, Any]:
    """The signed facts of one update to a referral."""
    return {f: getattr(update, f) for f in UPDATE_SIGNED_FIELDS}
