"""The destruction log: one small record per destroyed file, kept outside the database, so a
database restored from a backup can be told what has been destroyed since (docs/operations.md,
"Destruction and backups"; `manage.py replay_destructions`).

A record holds ids and hashes only, never a name or a word of narrative: the retention, school
and pupil ids, the file's basis and dates, when it was destroyed, and the tombstone (each
destroyed record's id and hash, as the retention row keeps them). It is written after the
destroying transaction commits, through the storage API to `DESTRUCTION_LOG_STORAGE` (default:
the default file storage), at `destruction-log/<yyyy>/<mm>/<dd>/<retention id>.json` (the day
of the destruction, UTC).

A write that fails is logged as an error, and the destruction stands. The destroyed retention
row is the record of what must be logged (it cannot change once destroyed, database guard), so
the nightly retention job retries: `log_catch_up` writes the record of every file destroyed in
the last CATCH_UP_DAYS whose record is not in the log. A flag written after the failure could
itself fail to be written; the comparison cannot.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, default_storage, storages
from django.utils import timezone
from django.utils.module_loading import import_string

from ..models import Retention, RetentionState

logger = logging.getLogger(__name__)

PREFIX = "destruction-log"
VERSION = 1
# How far back the nightly job looks for a destruction whose record is missing: longer than
# backups are kept (35 days), since a record matters only while a backup older than it exists.
CATCH_UP_DAYS = 60


def log_storage() -> Storage:
    """Where the log is written: `DESTRUCTION_LOG_STORAGE` (a STORAGES alias, or a
    {"BACKEND", "OPTIONS"} entry of its own), else the default file storage."""
    configured = getattr(settings, "DESTRUCTION_LOG_STORAGE", None)
    if not configured:
        return default_storage
    if isinstance(configured, str):
        return storages[configured]
    backend = import_string(configured["BACKEND"])
    storage: Storage = backend(**configured.get("OPTIONS", {}))
    return storage


def day_folder(day: datetime.date) -> str:
    return f"{PREFIX}/{day:%Y/%m/%d}"


def record_name(retention_id: Any, destroyed_at: datetime.datetime) -> str:
    day = destroyed_at.astimezone(datetime.UTC).date()
    return f"{day_folder(day)}/{retention_id}.json"


def destruction_record(retention: Retention) -> dict[str, Any]:
    """What the log keeps of one destroyed file: ids, dates and hashes (the tombstone)."""
    assert retention.destroyed_at is not None  # noqa: S101  (destroyed)
    return {
        "version": VERSION,
        "retention_id": str(retention.pk),
        "school_id": retention.school_id,
        "pupil_id": str(retention.pupil_id),
        "basis": retention.basis,
        "transfer_id": str(retention.transfer_id) if retention.transfer_id else None,
        "destroy_on": retention.destroy_on.isoformat(),
        "destroyed_at": retention.destroyed_at.astimezone(datetime.UTC).isoformat(),
        "tombstone": retention.tombstone,
    }


def log_write(record: dict[str, Any], *, storage: Storage | None = None) -> bool:
    """Write one record unless it is there already; True when written. Raises when the storage
    does."""
    storage = storage or log_storage()
    name = record_name(
        record["retention_id"], datetime.datetime.fromisoformat(record["destroyed_at"])
    )
    if storage.exists(name):
        return False
    body = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
    storage.save(name, ContentFile(body))
    return True


def log_after_commit(record: dict[str, Any]) -> None:
    """The destroying transaction has committed: log it. A failure does not undo the destruction:
    it is logged as an error and the nightly job writes the record again (`log_catch_up`)."""
    try:
        log_write(record)
    except Exception:
        logger.exception(
            "retention %s: destroyed, but not written to the destruction log; the nightly "
            "retention job will write it",
            record["retention_id"],
        )


def _names_in(storage: Storage, folder: str) -> set[str]:
    try:
        _folders, files = storage.listdir(folder)
    except FileNotFoundError:  # a local folder not made yet (object stores list nothing)
        return set()
    return {f"{folder}/{name}" for name in files}


def log_catch_up(
    *, now: datetime.datetime | None = None, days: int = CATCH_UP_DAYS
) -> tuple[int, int]:
    """Write the record of every file destroyed in the last `days` that is not in the log (a write
    that failed after its destruction committed). Returns (written, still failing)."""
    now = now or timezone.now()
    destroyed = Retention.objects.filter(
        state=RetentionState.DESTROYED, destroyed_at__gte=now - datetime.timedelta(days=days)
    ).order_by("destroyed_at")
    try:
        storage = log_storage()
    except Exception:
        logger.exception("the destruction log's storage cannot be opened (DESTRUCTION_LOG_STORAGE)")
        return 0, destroyed.count()
    listed: dict[str, set[str]] = {}
    written = failing = 0
    for retention in destroyed.iterator():
        assert retention.destroyed_at is not None  # noqa: S101  (destroyed)
        name = record_name(retention.pk, retention.destroyed_at)
        folder = name.rsplit("/", 1)[0]
        try:
            if folder not in listed:
                listed[folder] = _names_in(storage, folder)
            if name in listed[folder]:
                continue
            written += log_write(destruction_record(retention), storage=storage)
        except Exception:
            failing += 1
            logger.exception("retention %s: still not written to the destruction log", retention.pk)
    if written:
        logger.warning("%s destruction(s) written to the destruction log late", written)
    return written, failing


class LogUnreadableError(Exception):
    """The log's storage cannot be listed (the bucket is unreachable, the setting is wrong)."""


@dataclass(frozen=True)
class LoggedDestruction:
    name: str
    record: dict[str, Any]

    @property
    def destroyed_at(self) -> datetime.datetime:
        return datetime.datetime.fromisoformat(self.record["destroyed_at"])


def log_read(
    *, since: datetime.datetime, until: datetime.datetime | None = None
) -> tuple[list[LoggedDestruction], list[str]]:
    """Every record of a destruction at or after `since`, oldest first, and the names of any that
    cannot be read (the caller reports them). Raises LogUnreadableError when the log cannot be
    listed at all: nothing can be replayed from it."""
    until = until or timezone.now()
    found: list[LoggedDestruction] = []
    unreadable: list[str] = []
    day = since.astimezone(datetime.UTC).date()
    last = until.astimezone(datetime.UTC).date() + datetime.timedelta(days=1)
    try:
        storage = log_storage()
    except Exception as error:
        raise LogUnreadableError from error
    while day <= last:
        try:
            names = sorted(_names_in(storage, day_folder(day)))
        except Exception as error:
            raise LogUnreadableError from error
        for name in names:
            if not name.endswith(".json"):
                continue
            try:
                with storage.open(name, "rb") as handle:
                    record = json.loads(handle.read())
                entry = LoggedDestruction(name, record)
                moment = entry.destroyed_at
            except Exception:
                logger.exception("destruction log record %s cannot be read", name)
                unreadable.append(name)
                continue
            if moment >= since:
                found.append(entry)
        day += datetime.timedelta(days=1)
    found.sort(key=lambda entry: (entry.destroyed_at, entry.name))
    return found, unreadable
