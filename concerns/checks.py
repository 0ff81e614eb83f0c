"""System check: re-assessment prompts read referral outcomes through a hook the referrals app
fills in its `ready()`; an empty hook would silently never fire that trigger (fail open)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

from .services.reassess import referral_outcome_sources


@checks.register()
def check_referral_outcomes(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if apps.is_installed("referrals") and not referral_outcome_sources():
        return [
            checks.Error(
                "referrals is installed but no referral-outcome source is registered for "
                "re-assessment prompts.",
                hint="Call concerns.services.register_referral_outcomes(...) in "
                "ReferralsConfig.ready().",
                id="concerns.E010",
            )
        ]
    return []
