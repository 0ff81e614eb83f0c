"""The referral guards (installed by safeguard.triggers after every migrate).

A referral's signed facts never change and it is never deleted; its updates are append-only. Where
it stands (status, outcome) changes only through the services, which record each change as a
signed update.
"""

from safeguard.triggers import Guard

from .content import SIGNED_FIELDS

COLUMNS = {
    "referral": [*SIGNED_FIELDS, "content_hash", "created_at"],
    "referral_follow_up": ["follow_up_at"],
    "referral_acknowledged": ["acknowledged_at"],
}

GUARDS = [
    Guard("referral_update", "referrals_referral", "UPDATE", "({changed:referral})"),
    # When the written follow-up was sent and the agency first acknowledged are recorded once.
    Guard(
        "referral_once",
        "referrals_referral",
        "UPDATE",
        "((OLD.follow_up_at IS NOT NULL AND {changed:referral_follow_up}) OR "
        "(OLD.acknowledged_at IS NOT NULL AND {changed:referral_acknowledged}))",
    ),
    Guard("referral_delete", "referrals_referral", "DELETE", "(1 = 1)"),
    Guard("referralupdate_update", "referrals_referralupdate", "UPDATE", "(1 = 1)"),
    Guard("referralupdate_delete", "referrals_referralupdate", "DELETE", "(1 = 1)"),
]
