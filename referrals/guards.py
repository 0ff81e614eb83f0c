"""The referral guards (installed by safeguard.triggers after every migrate).

A referral's signed facts never change and it is never deleted; its updates are append-only.
"""

from safeguard.triggers import Guard

from .services import SIGNED_FIELDS

COLUMNS = {"referral": [*SIGNED_FIELDS, "content_hash", "created_at"]}

GUARDS = [
    Guard("referral_update", "referrals_referral", "UPDATE", "({changed:referral})"),
    Guard("referral_delete", "referrals_referral", "DELETE", "(1 = 1)"),
    Guard("referralupdate_update", "referrals_referralupdate", "UPDATE", "(1 = 1)"),
    Guard("referralupdate_delete", "referrals_referralupdate", "DELETE", "(1 = 1)"),
]
