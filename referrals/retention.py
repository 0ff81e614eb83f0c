"""What in the referrals' tables is narrative: the words retention's destruction blanks (every
other text field is listed in KEPT, with why it stays). Checked at start-up (transfers.E001)."""

from __future__ import annotations

from django.db.models import Model

from .models import Referral, ReferralUpdate

NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    Referral: ("spoken_to", "reason", "parents_reason"),
    ReferralUpdate: ("notes",),
}

# Why a text field that is not narrative may stay after destruction.
CHOICE = "a choice from a fixed list, not words"
HASH = "a hash: proves what the record said without saying it"
STAFF = "the member of staff who made or recorded it (printed name)"
AGENCY_REFERENCE = "the agency's reference for the referral"

KEPT: dict[type[Model], dict[str, str]] = {
    Referral: {
        "agency_name": "the agency referred to (children's social care, police...)",
        "referral_type": CHOICE,
        "urgency": CHOICE,
        "method": CHOICE,
        "parents_informed": CHOICE,
        "agency_reference": AGENCY_REFERENCE,
        "made_by_name": STAFF,
        "content_hash": HASH,
        "status": CHOICE,
        "outcome": CHOICE,
    },
    ReferralUpdate: {
        "kind": CHOICE,
        "source": "the agency or professional it came from or went to, not the child",
        "outcome": CHOICE,
        "escalation_reason": CHOICE,
        "agency_reference": AGENCY_REFERENCE,
        "recorded_by_name": STAFF,
        "content_hash": HASH,
    },
}
