"""`python manage.py retention_reconcile`: put right the files kept under an earlier retention
setting (docs/adr/0025), for every trust; saving a trust's policy in the admin does it for one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from transfers.retention.services import retention_policy_reconcile


class Command(BaseCommand):
    help = "Bring out of retention the files an earlier setting moved in too early."

    def handle(self, *args: Any, **options: Any) -> None:
        done = retention_policy_reconcile()
        self.stdout.write(
            f"{done.released} files live again, {done.redated} kept until a later date."
        )
