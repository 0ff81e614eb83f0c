"""`python manage.py retention_run`: the nightly retention job, now (docs/adr/0016).

After restoring a backup of the database, run `replay_destructions` first, then this
(docs/operations.md, "Destruction and backups"): a file destroyed since the backup was taken is
destroyed again from the destruction log, and anything else past its date at once rather than
at 03:00.
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
        if done.logged_late:
            self.stdout.write(
                f"{done.logged_late} earlier destructions written to the destruction log late."
            )
        if done.log_failing:
            self.stderr.write(
                f"{done.log_failing} destructions could not be written to the destruction log "
                "(see the error log; check DESTRUCTION_LOG_STORAGE). They are tried again at "
                "the next run."
            )
