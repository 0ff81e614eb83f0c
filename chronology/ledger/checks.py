"""System checks: the ledger's retention hook is set whenever retention is installed, and every
kind of signed record the chain cites has its check registered."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

from .hooks import retention_provider
from .sources import missing_checks


@checks.register()
def check_retention_provider(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without the provider the ledger would let appends into files in retention (fail open)."""
    if apps.is_installed("transfers") and retention_provider() is None:
        return [
            checks.Error(
                "transfers is installed but no retention provider is registered with the "
                "chronology ledger.",
                hint="Call chronology.ledger.hooks.register_retention(...) in "
                "TransfersConfig.ready().",
                id="chronology.E001",
            )
        ]
    return []


@checks.register()
def check_source_checks(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Without a check for a kind of signed record, its changes would go unseen (fail open)."""
    return [
        checks.Error(
            f"No check that re-hashes {label} records is registered with the chronology ledger.",
            hint="Call chronology.ledger.sources.register_source_check(...) in the app's ready().",
            id="chronology.E002",
        )
        for label in missing_checks()
    ]
