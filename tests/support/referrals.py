"""Referrals: what the form to make one posts (tests/referrals/, tests/safeguard/)."""

from __future__ import annotations

from typing import Any


def referral_form(agency_pk: Any, **overrides: Any) -> dict[str, Any]:
    """What the referral form posts for a referral to `agency_pk`, made by phone."""
    data = {
        "agency": agency_pk,
        "referral_type": "social_care",
        "urgency": "immediate",
        "method": "phone",
        "made_at": "13/11/2026 16:00",
        "spoken_to": "Duty social worker",
        "reason": "A disclosure of physical harm; bruising seen on the arm.",
        "parents_informed": "not_informed",
        "parents_reason": "Telling the father could put the child at greater risk.",
    }
    data.update(overrides)
    return data
