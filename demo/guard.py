"""The demo's seeding commands refuse to run where `DEMO_SEEDING` is off: production, unless a
deployment made only to show the product turns it on (its people share a published password and
authenticator key, README "The demo")."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError


def demo_seeding_allowed_or_refuse() -> None:
    """Raise `CommandError`, changing nothing, unless this deployment allows demo seeding."""
    if not settings.DEMO_SEEDING:
        raise CommandError(
            "This deployment does not allow demo data (DEMO_SEEDING is off, as it is in "
            "production): the demo's made-up people share a published password. Set "
            "DEMO_SEEDING=true only on a deployment made to show the product, never on one that "
            "holds real children's records."
        )
