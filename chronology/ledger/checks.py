"""System check: the ledger's retention hook is set whenever retention is installed."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks

from .hooks import retention_provider


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
