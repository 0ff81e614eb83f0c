"""`python manage.py replay_destructions --since <backup moment>`: after restoring the database
from a backup, destroy again every file the destruction log says was destroyed since
(docs/operations.md, "Destruction and backups"; transfers/retention/replay.py). Run it before
anyone uses the restored service, then `retention_run`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from transfers.retention.destruction_log import LogUnreadableError
from transfers.retention.replay import replay_destructions


def moment(value: str) -> datetime.datetime:
    """An ISO 8601 date and time; one without an offset is taken as UTC."""
    try:
        parsed = datetime.datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(
            f"--since must be a date and time like 2026-11-30T02:00:00Z, not {value!r}."
        ) from error
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


class Command(BaseCommand):
    help = (
        "After a database restore: destroy again every file the destruction log records "
        "destroyed since the backup was taken."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            required=True,
            type=moment,
            help="The moment the restored backup was taken (ISO 8601; UTC unless it says).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Say what would be destroyed again, and change nothing.",
        )

    def handle(self, *args: Any, since: datetime.datetime, dry_run: bool, **options: Any) -> None:
        try:
            report = replay_destructions(since=since, dry_run=dry_run)
        except LogUnreadableError as error:
            raise CommandError(
                "The destruction log cannot be read from its storage (check "
                f"DESTRUCTION_LOG_BUCKET or DESTRUCTION_LOG_STORAGE): {error.__cause__!r}. "
                "Nothing was changed."
            ) from error
        utc = since.astimezone(datetime.UTC)
        self.stdout.write(
            f"{report.read} destructions in the log since {utc:%Y-%m-%d %H:%M:%S} UTC."
        )
        verb = "would be destroyed again" if dry_run else "destroyed again"
        self.stdout.write(
            f"{len(report.destroyed)} files {verb}, {report.already} already destroyed in this "
            f"database, {report.absent} whose pupil is not in this database."
        )
        for rid in report.destroyed:
            self.stdout.write(f"  {verb}: retention {rid}")
        for label, ids in (
            ("Under a legal hold, not destroyed", report.held),
            ("Ids do not agree, not destroyed", report.mismatched),
            ("Not destroyed", report.failed),
        ):
            for rid in ids:
                self.stdout.write(f"{label}: retention {rid}: {report.reasons.get(rid, '')}")
        for name in report.unreadable:
            self.stdout.write(f"Cannot be read, not replayed: {name}")
        left = len(report.not_destroyed) + len(report.unreadable)
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
        if left:
            raise CommandError(
                f"{left} logged destructions were not replayed (listed above); this database "
                "still holds their files."
            )
