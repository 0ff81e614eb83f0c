from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self) -> None:
        from chronology.ledger.sources import register_source_check
        from concerns.services import register_referral_outcomes
        from safeguard.triggers import register

        from .guards import COLUMNS, GUARDS
        from .selectors import latest_outcome_at
        from .verification import referral_updates_rehash, referrals_rehash

        register(GUARDS, COLUMNS)
        register_source_check("referrals.Referral", referrals_rehash)
        register_source_check("referrals.ReferralUpdate", referral_updates_rehash)
        register_referral_outcomes(latest_outcome_at)
