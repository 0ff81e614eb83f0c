"""`python manage.py retention_run`: the nightly retention job, now (docs/adr/0016).

Run it after restoring a backup of the database (docs/operations.md, "Destruction and
backups"): a file destroyed since the backup was taken is back in the restored database, still
in retention and past its date, and is destroyed again at once rather than at 03:00.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from transfers.retention.services import retention_run


class Command(BaseCommand):
    help = "Schedule what the retention policy now covers and destroy every file past its date."

    def handle(self, *args: Any, **options: Any) -> None:
        done = retention_run()
        self.stdout.write(
            f"{done.destroyed} files destroyed, {done.scheduled} newly scheduled, "
            f"{done.held} past their date but under a legal hold."
        )
