"""Destroying again, after a database restore, what the destruction log says was destroyed since
the backup (`manage.py replay_destructions`; docs/operations.md, "Destruction and backups").

For each logged destruction, oldest first, the restored database is asked what it holds:

- the retention row the log names, for the same school and pupil, already destroyed, or a row
  an earlier replay destroyed for it: nothing to do (so a second run destroys nothing);
- that row still kept (the backup was taken before the destruction): it is destroyed again, by
  the product's own destruction (`retention_destroy`), whatever its date;
- no such row (the file entered retention after the backup): the pupil's live retention row is
  destroyed, or, with none, the row is made again with the logged id, basis and date, then
  destroyed; the events say it was replayed after a restore;
- the pupil not in the restored database (added after the backup): nothing of theirs is there;
- a legal hold on the row in the restored database: left alone and reported. Destruction never
  happens under a hold, so a hold the restored database holds was lifted between the backup and
  the destruction, and that lift was lost with the restore. Lifting a hold is a person's decision
  with a reason (and the database refuses to destroy a held file), so the school's DSL confirms
  and lifts it again; then this command (or `retention_run`) destroys the file. A hold set after
  the backup is lost with the restore, like any other change since.
- ids that do not agree (the row, the pupil or a logged record belongs to another school or
  pupil): nothing is destroyed; reported for a person to look at.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from chronology.models import ChronologyEntry, RiskAssessment
from concerns.models import (
    Addendum,
    Attachment,
    Concern,
    ContinuousAbsence,
    DslRecord,
    MissingEpisode,
    ReassessmentReview,
)
from referrals.models import Referral, ReferralUpdate
from schools.models import Pupil

from ..models import (
    Export,
    IncomingTransfer,
    Retention,
    RetentionBasis,
    RetentionEvent,
    RetentionEventKind,
    RetentionState,
    Transfer,
)
from .destruction_log import LoggedDestruction, log_read
from .services import SCHEDULED_JOB, Replay, retention_destroy

logger = logging.getLogger(__name__)

# The tombstone's lists, by the model whose ids they hold and whether its rows name the pupil.
LOGGED_RECORDS: dict[str, tuple[type[Model], bool]] = {
    "chronology_entries": (ChronologyEntry, True),
    "concerns": (Concern, False),  # shared: several children, one school
    "addenda": (Addendum, False),
    "dsl_records": (DslRecord, False),
    "attachments": (Attachment, False),
    "referrals": (Referral, True),
    "referral_updates": (ReferralUpdate, False),
    "missing_episodes": (MissingEpisode, True),
    "absences": (ContinuousAbsence, True),
    "reassessment_reviews": (ReassessmentReview, True),
    "exports": (Export, True),
    "received_files": (IncomingTransfer, True),
    "risk_assessments": (RiskAssessment, False),
}

DESTROY, RECREATE = "destroy", "recreate"
ALREADY, ABSENT, HELD, MISMATCH, CANNOT = "already", "absent", "held", "mismatch", "cannot"


@dataclass
class Plan:
    action: str
    why: str = ""
    target: Retention | None = None


@dataclass
class ReplayReport:
    read: int = 0
    destroyed: list[str] = field(default_factory=list)  # the logged retention ids, done again
    already: int = 0
    absent: int = 0
    held: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def not_destroyed(self) -> list[str]:
        return self.held + self.mismatched + self.failed


def _uuid(value: Any) -> str:
    return str(uuid.UUID(str(value)))


def _ids(entries: Any) -> list[str]:
    """The record ids of one tombstone list (each item an id, or a list starting with one)."""
    if not isinstance(entries, list):
        return []
    return [_uuid(item[0] if isinstance(item, list) else item) for item in entries]


def _foreign_records(record: dict[str, Any], school_id: int, pupil_id: str) -> str:
    """A logged record the restored database holds for another school or pupil, named by kind."""
    tombstone = record.get("tombstone") or {}
    for key, (model, with_pupil) in LOGGED_RECORDS.items():
        ids = _ids(tombstone.get(key))
        if not ids:
            continue
        mine: dict[str, Any] = {"school_id": school_id}
        if with_pupil:
            mine["pupil_id"] = pupil_id
        if model._default_manager.filter(pk__in=ids).exclude(**mine).exists():
            return key.replace("_", " ")
    return ""


def plan(record: dict[str, Any]) -> Plan:
    """What the restored database needs for one logged destruction (nothing is changed)."""
    try:
        retention_id = _uuid(record["retention_id"])
        pupil_id = _uuid(record["pupil_id"])
        school_id = int(record["school_id"])
        foreign = _foreign_records(record, school_id, pupil_id)
    except (KeyError, TypeError, ValueError, IndexError):
        return Plan(MISMATCH, "the record's ids cannot be read")
    pupil = Pupil.objects.filter(pk=pupil_id).first()
    if pupil is None:
        return Plan(ABSENT, "the pupil is not in the restored database")
    if pupil.school_id != school_id:
        return Plan(MISMATCH, "the pupil belongs to another school in the restored database")
    if foreign:
        return Plan(MISMATCH, f"logged {foreign} belong to another school or pupil")
    row = Retention.objects.filter(pk=retention_id).first()
    if row is not None and (row.school_id, str(row.pupil_id)) != (school_id, pupil_id):
        return Plan(MISMATCH, "the retention belongs to another school or pupil")
    if row is None:
        if Retention.objects.filter(
            school_id=school_id,
            pupil_id=pupil_id,
            state=RetentionState.DESTROYED,
            tombstone__replay_of__retention_id=retention_id,
        ).exists():
            return Plan(ALREADY)
        row = Retention.objects.filter(
            school_id=school_id, pupil_id=pupil_id, state=RetentionState.KEPT
        ).first()
        if row is None:
            return Plan(RECREATE)
    if row.state == RetentionState.DESTROYED:
        return Plan(ALREADY)
    if row.state != RetentionState.KEPT:
        return Plan(
            CANNOT,
            f"the restored database says this file's retention was {row.state}, which cannot "
            "be destroyed",
        )
    if row.legal_hold:
        return Plan(
            HELD,
            "a legal hold in the restored database (lifted after the backup, before the "
            "destruction): ask the school's DSL to confirm and lift it, then run this again",
            row,
        )
    return Plan(DESTROY, target=row)


def _recreate(record: dict[str, Any], replay: Replay) -> Retention:
    """The retention row the file had when it was destroyed, made again with the logged id."""
    school_id, pupil_id = int(record["school_id"]), _uuid(record["pupil_id"])
    transfer_id = record.get("transfer_id")
    transfer = (
        Transfer.objects.filter(pk=transfer_id, school_id=school_id, pupil_id=pupil_id).first()
        if transfer_id
        else None
    )
    basis = record.get("basis")
    if basis not in RetentionBasis.values:
        basis = RetentionBasis.SENT if transfer is not None else RetentionBasis.LAST_SCHOOL
    retention = Retention.objects.create(
        id=replay.retention_id,
        school_id=school_id,
        pupil_id=pupil_id,
        basis=basis,
        transfer=transfer,
        destroy_on=datetime.date.fromisoformat(record["destroy_on"]),
    )
    RetentionEvent.objects.create(
        school_id=school_id,
        retention=retention,
        kind=RetentionEventKind.SCHEDULED,
        reason="Made again after the database was restored from a backup: the destruction log "
        f"records this file destroyed at {replay.destroyed_at:%-d %B %Y %H:%M} UTC",
        by_name=SCHEDULED_JOB,
    )
    return retention


def replay_one(
    entry: LoggedDestruction, *, dry_run: bool, now: datetime.datetime
) -> tuple[str, str]:
    """Replay one logged destruction; (what happened, why). Destroying is all or nothing."""
    record = entry.record
    todo = plan(record)
    if todo.action not in (DESTROY, RECREATE) or dry_run:
        return todo.action, todo.why
    replay = Replay(
        retention_id=_uuid(record["retention_id"]),
        destroyed_at=entry.destroyed_at.astimezone(datetime.UTC),
    )
    with transaction.atomic():
        target = todo.target if todo.action == DESTROY else _recreate(record, replay)
        assert target is not None  # noqa: S101  (a row to destroy)
        if not retention_destroy(retention=target, now=now, replay=replay):
            # Changed since it was planned (a hold set meanwhile): nothing is destroyed.
            transaction.set_rollback(True)
            return CANNOT, "the file changed while it was being destroyed; run this again"
    return todo.action, ""


def replay_destructions(
    *, since: datetime.datetime, dry_run: bool = False, now: datetime.datetime | None = None
) -> ReplayReport:
    """Destroy again what the destruction log says was destroyed at or after `since` and the
    restored database still holds. Idempotent: a second run destroys nothing."""
    now = now or timezone.now()
    entries, unreadable = log_read(since=since, until=now)
    report = ReplayReport(read=len(entries), unreadable=unreadable)
    for entry in entries:
        rid = str(entry.record.get("retention_id", entry.name))
        try:
            action, why = replay_one(entry, dry_run=dry_run, now=now)
        except Exception:
            logger.exception("destruction of retention %s not replayed", rid)
            action, why = CANNOT, "an error (see the error log)"
        if action in (DESTROY, RECREATE):
            report.destroyed.append(rid)
        elif action == ALREADY:
            report.already += 1
        elif action == ABSENT:
            report.absent += 1
        elif action == HELD:
            report.held.append(rid)
        elif action == MISMATCH:
            report.mismatched.append(rid)
        else:
            report.failed.append(rid)
        if why and action not in (ALREADY, ABSENT):
            report.reasons[rid] = why
    return report
