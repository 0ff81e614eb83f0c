"""`python manage.py rotate_signing_key_encryption`: seal every stored private key (schools'
signing keys, trusts' certificate authorities) under a new SIGNING_KEY_ENCRYPTION_KEY.

The operator (docs/operations.md, "Rotating the signing-key encryption key"):
1. sets the new key as SIGNING_KEY_ENCRYPTION_KEY and the old one as
   SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS on every process (web, workers, scheduler) and restarts
   them: keys sealed under either are read, new keys are sealed under the new one;
2. runs this command (one transaction; safe to run again);
3. removes SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS everywhere and restarts.
docs/adr/0041.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from transfers.signing.keys import KeyRotationRefusedError, signing_keys_reseal

logger = logging.getLogger("safeguard.signing")


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored signing key under SIGNING_KEY_ENCRYPTION_KEY, reading each "
        "with it or with SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read every key and say what would change, without changing anything.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        try:
            done = signing_keys_reseal(dry_run=dry_run)
        except (KeyRotationRefusedError, ImproperlyConfigured) as exc:
            raise CommandError(str(exc)) from None
        if dry_run:
            self.stdout.write(
                f"Every stored key can be read. {done.resealed} would be re-encrypted under "
                f"SIGNING_KEY_ENCRYPTION_KEY; {done.already_current} already are. Nothing was "
                "changed (--dry-run)."
            )
            return
        logger.info(
            "signing keys re-encrypted",
            extra={"resealed": done.resealed, "already_current": done.already_current},
        )
        self.stdout.write(
            f"{done.resealed} stored keys re-encrypted under SIGNING_KEY_ENCRYPTION_KEY; "
            f"{done.already_current} already were. You can now remove "
            "SIGNING_KEY_ENCRYPTION_KEY_PREVIOUS."
        )
