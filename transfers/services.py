"""Writes of the transfer flow: a pupil leaving, the export of their CP file, sending it, the
receipt, and at the new school accepting, returning or importing a file (docs/architecture.md
section 8).

The export runs in a Celery task (`transfers.tasks.export_render`) that calls `export_run`; the
request only queues it. Every change that belongs in a chronology is appended in the same
transaction as the change; a notification goes to the outbox in it too.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from chronology.ledger.services import chronology_append
from chronology.models import CpFile, EntryKind
from chronology.services import cp_file_open
from safeguard import workdays
from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm, RoleKey
from safeguard.storage import stored_files_delete_on_commit, stored_files_undone_on_error
from schools.models import Pupil, School, SchoolMembership, YearGroup
from schools.selectors import safeguarding_leads
from schools.services import pupil_create

from .export.bundle import (
    BundleBuildError,
    BundleRefused,
    bundle_build,
    bundle_open,
    bundle_package,
)
from .export.gather import ExportRefused
from .models import (
    Export,
    ExportState,
    IncomingSource,
    IncomingState,
    IncomingTransfer,
    ReceiptHow,
    SentHow,
    Transfer,
    TransferState,
)
from .received import received_history_bring_in
from .retention.services import retention_after_receipt, retention_end_for_returning_pupil
from .signing.keys import pdf_sign
from .tasks import export_render

log = logging.getLogger(__name__)

# KCSIE Annex C: within 5 school days of leaving, or the first 5 days of the new term.
DEADLINE_SCHOOL_DAYS = 5
# A receipt not confirmed this many school days after sending is chased (reminders).
RECEIPT_CHASE_SCHOOL_DAYS = 5
# A leaving date further ahead than this is almost always a mistyped year.
LEAVING_DATE_AHEAD = datetime.timedelta(days=366)
PDF_NAME = "cp-file.pdf"
BUNDLE_NAME = "cp-file-bundle.zip"
LARGEST_IMPORT = 200 * 1024 * 1024
IMPORT_LOCK = 7007  # the first key of the advisory lock that takes a school's imports in turn
# An export with no progress for this long has lost its task: it may be queued again.
STALE_EXPORT = datetime.timedelta(minutes=10)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stream_sha256(upload: IO[bytes]) -> str:
    """The SHA-256 of a file read in chunks, leaving it at its start."""
    digest = hashlib.sha256()
    upload.seek(0)
    while chunk := upload.read(64 * 1024):
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _upload_size(upload: bytes | IO[bytes]) -> int:
    if isinstance(upload, bytes | bytearray):
        return len(upload)
    upload.seek(0, 2)
    size = upload.tell()
    upload.seek(0)
    return size


def _require(actor: Any, school: Any) -> None:
    if not access_for(actor).has(Perm.TRANSFER_CP_FILES, school):
        raise PermissionDenied("Only the DSL and deputies can transfer child-protection files.")


def _role_at(user: Any, school_id: int) -> str:
    roles = dict(
        SchoolMembership.objects.filter(user=user, school_id=school_id).values_list("role", "role")
    )
    if RoleKey.DSL in roles:
        return "Designated Safeguarding Lead"
    if RoleKey.DEPUTY in roles:
        return "Deputy Designated Safeguarding Lead"
    return user.job_title


# --- The deadline --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    due: datetime.date
    end_of_term: bool  # the pupil leaves at the end of a term: the first 5 days of the next

    @property
    def rule(self) -> str:
        if self.end_of_term:
            return "within the first 5 school days of the new term"
        return "within 5 school days of leaving"


# A closure is a break between terms when the school stays shut for more than a week after the
# leaving date, or when it is named as a holiday or half term; an INSET day is neither.
TERM_BREAK = datetime.timedelta(days=7)
TERM_BREAK_NAMES = ("holiday", "half term", "half-term", "halfterm", "end of term")


def transfer_deadline(*, school: Any, leaving_date: datetime.date) -> Deadline:
    """When the file must be sent by (KCSIE Annex C), by the sending school's calendar.

    The 5 school days after the leaving date: school closures are skipped, so a pupil who leaves
    on the last day of a term is due within the first 5 days of the next one (docs/adr/0015).
    Only a closure that is a break between terms makes it an end-of-term move: one that keeps
    the school shut for more than a week after the leaving date, or one named as a holiday or
    half term (not a one-day INSET closure)."""
    calendar = workdays.calendar_for(school)
    closure = calendar.closure_on(workdays.next_working_day(leaving_date))
    end_of_term = closure is not None and (
        calendar.add_school_days(leaving_date, 1) - leaving_date > TERM_BREAK
        or any(word in closure.name.casefold() for word in TERM_BREAK_NAMES)
    )
    return Deadline(calendar.add_school_days(leaving_date, DEADLINE_SCHOOL_DAYS), end_of_term)


# --- Transfer out --------------------------------------------------------------------------------


@transaction.atomic
def transfer_start(
    *,
    actor: Any,
    pupil: Pupil,
    leaving_date: datetime.date,
    destination_school: School | None = None,
    destination_name: str = "",
    destination_address: str = "",
    destination_dsl: str = "",
    queue_export: bool = True,
) -> Transfer:
    """Mark the pupil leaving for a new school and queue the export of their CP file.

    With `queue_export=False` nothing is queued: the caller runs `export_run` itself (the demo
    seed does, so that it needs no worker and leaves no task behind)."""
    _require(actor, pupil.school_id)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if leaving_date < pupil.joined_on:
        errors["leaving_date"] = (
            f"The leaving date must be on or after the day they joined, {pupil.joined_on:%d/%m/%Y}"
        )
    elif leaving_date > today + LEAVING_DATE_AHEAD:
        errors["leaving_date"] = "The leaving date must be within the next year"
    if destination_school is not None:
        if destination_school.pk == pupil.school_id:
            errors["destination_school"] = "Choose the school the pupil is moving to, not this one"
        destination_name = destination_school.name
        destination_address = "\n".join(destination_school.return_address[1:])
    else:
        destination_name = destination_name.strip()
        destination_address = destination_address.strip()
        if not destination_name:
            errors["destination_name"] = "Enter the name of the new school"
        if not destination_address:
            errors["destination_address"] = "Enter the new school's address"
    if errors:
        raise ValidationError(errors)
    locked = Pupil.objects.select_for_update().get(pk=pupil.pk)
    if Transfer.objects.filter(pupil=locked, state__in=_open_states()).exists():
        raise ValidationError(
            {"leaving_date": "This pupil's file is already being transferred: see below"}
        )
    deadline = transfer_deadline(school=pupil.school_id, leaving_date=leaving_date)
    export = Export.objects.create(
        school_id=pupil.school_id,
        pupil=locked,
        requested_by=actor,
        receiving_school=destination_name,
        stage="Waiting to start",
    )
    transfer = Transfer(
        school_id=pupil.school_id,
        pupil=locked,
        leaving_date=leaving_date,
        end_of_term=deadline.end_of_term,
        deadline=deadline.due,
        destination_school=destination_school,
        destination_name=destination_name,
        destination_address=destination_address,
        destination_dsl=destination_dsl.strip(),
        export=export,
        created_by=actor,
        left_on_before=locked.left_on,  # put back if the transfer is cancelled
    )
    transfer.full_clean()
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:  # another DSL started one at the same moment
        raise ValidationError(
            {"leaving_date": "This pupil's file is already being transferred"}
        ) from exc
    if locked.left_on is None or locked.left_on != leaving_date:
        # With its time of change: the dashboards keep figures until a pupil changes (ADR 0036).
        Pupil.objects.filter(pk=locked.pk).update(left_on=leaving_date, updated_at=timezone.now())
    if queue_export:
        _queue(export)
    return transfer


def _open_states() -> list[str]:
    return [TransferState.PREPARING, TransferState.READY, TransferState.SENT]


def _queue(export: Export) -> None:
    export_id = str(export.pk)

    def enqueue() -> None:
        try:
            export_render.delay(export_id)
        except Exception:  # the broker is down: the page offers "Try again" once it is stale
            log.exception("Export %s could not be queued", export_id)

    transaction.on_commit(enqueue)


def export_is_stale(export: Export, now: datetime.datetime | None = None) -> bool:
    """Waiting or working with no progress for a while: its task was lost (a broker outage)."""
    now = now or timezone.now()
    waiting = export.state in (ExportState.QUEUED, ExportState.RENDERING)
    return waiting and export.updated_at < now - STALE_EXPORT


@transaction.atomic
def export_retry(*, actor: Any, transfer: Transfer) -> Export:
    """Queue a failed export again, or one whose task was lost."""
    _require(actor, transfer.school_id)
    export = Export.objects.select_for_update().get(pk=_export_of(transfer).pk)
    if export.state != ExportState.FAILED and not export_is_stale(export):
        raise ValidationError("The file is not in need of preparing again.")
    export.state, export.progress, export.stage, export.error = (
        ExportState.QUEUED,
        0,
        "Waiting to start",
        "",
    )
    export.save(update_fields=["state", "progress", "stage", "error", "updated_at"])
    _queue(export)
    return export


# --- The export (run by the task) ----------------------------------------------------------------

Progress = Callable[[int, str], None]


def _progress_writer(export_id: Any, deadline: float | None = None) -> Progress:
    """Record progress as the work goes (autocommit: the page polling it sees it at once), and
    stop it at each step once past `deadline` (`time.monotonic()`; the task's time limit)."""

    def write(percent: int, stage: str) -> None:
        if deadline is not None and time.monotonic() > deadline:
            # The worker's own signal at the soft limit can be swallowed by a library catching
            # every exception around what it was doing: each step checks the clock too.
            raise SoftTimeLimitExceeded()
        percent = max(0, min(99, int(percent)))
        Export.objects.filter(pk=export_id, state=ExportState.RENDERING).filter(
            progress__lte=percent
        ).update(progress=percent, stage=stage[:200], updated_at=timezone.now())

    return write


def export_run(*, export_id: Any, deadline: float | None = None) -> Export:
    """Render, sign and package one export (idempotent: a finished export is left alone); past
    `deadline` (`time.monotonic()`), it stops before the next step and is recorded failed."""
    # the PDF module loads WeasyPrint, which only the worker needs: not at start-up
    from .export.pdf import cp_file_pdf

    with transaction.atomic():
        export = (
            Export.objects.select_for_update(of=("self",))
            .select_related("school", "pupil", "requested_by")
            .get(pk=export_id)
        )
        if export.state == ExportState.DONE:
            return export
        if export.state == ExportState.RENDERING and export.attempts >= EXPORT_LOST_ATTEMPTS:
            # Delivered again after its worker died mid-way (task_reject_on_worker_lost), time
            # after time: killed at its memory cap or hard time limit. Stop, in words, rather
            # than kill the exports worker for ever.
            export.state, export.stage, export.error = ExportState.FAILED, "Stopped", EXPORT_LOST
            export.finished_at = timezone.now()
            export.save()
            return export
        export.state, export.progress, export.stage = ExportState.RENDERING, 1, "Gathering records"
        export.started_at, export.finished_at, export.error = timezone.now(), None, ""
        export.attempts += 1
        export.save()
    write = _progress_writer(export.pk, deadline)
    actor, pupil = export.requested_by, export.pupil
    try:
        # The PDF is most of the work: 0 to 80 per cent.
        rendered = cp_file_pdf(
            actor=actor,
            pupil=pupil,
            receiving_school=export.receiving_school,
            progress=lambda p, stage: write(1 + p * 79 // 100, stage),
        )
        write(82, "Signing the PDF with the school's key")
        signed = pdf_sign(
            school=export.school,
            pdf=rendered.data,
            reason=f"Child-protection file sent to the DSL of {export.receiving_school}",
        )
        write(88, "Building the open bundle")
        bundle = bundle_build(actor=actor, pupil=pupil)
        packaged = bundle_package(school=export.school, bundle=bundle, pdf=signed)
        write(96, "Storing the files")
    except SoftTimeLimitExceeded:
        return export_stopped(export_id=export.pk, problem=EXPORT_TOO_LONG)
    except Exception as exc:
        log.exception("Export %s failed", export.pk)
        return export_stopped(
            export_id=export.pk,
            problem=_plain_problem(exc)
            or "Something went wrong while preparing the file. Try again; if it happens again, "
            "tell your system administrator.",
        )
    with transaction.atomic():
        export = Export.objects.select_for_update().get(pk=export.pk)
        if export.state == ExportState.DONE:  # another delivery of the task finished first
            return export
        with stored_files_undone_on_error(export.pdf, export.bundle):
            export.pdf.save(PDF_NAME, ContentFile(signed), save=False)
            export.bundle.save(BUNDLE_NAME, ContentFile(packaged), save=False)
            export.pdf_sha256, export.bundle_sha256 = sha256(signed), sha256(packaged)
            export.pages = rendered.pages
            export.state, export.progress, export.stage = ExportState.DONE, 100, "Ready"
            export.finished_at = timezone.now()
            export.save()
            Transfer.objects.filter(export=export, state=TransferState.PREPARING).update(
                state=TransferState.READY, updated_at=timezone.now()
            )
    return export


EXPORT_LOST_ATTEMPTS = 3
EXPORT_LOST = (
    "The file could not be prepared: the work stopped part-way three times, perhaps because the "
    "file is too large for the server. Tell your system administrator."
)
EXPORT_TOO_LONG = (
    "Preparing the file took longer than allowed, so it was stopped. Try again; if it happens "
    "again, tell your system administrator."
)


def export_stopped(*, export_id: Any, problem: str) -> Export:
    """Record that an export stopped, with what the DSL is told (its page shows `error`)."""
    if not connection.in_atomic_block:
        # A time limit strikes wherever the work is, a query half-sent included, and leaves the
        # connection unusable ("another command is already in progress"): start a fresh one.
        connection.close()
    # Another delivery of the task may have finished meanwhile: its result stands.
    Export.objects.filter(pk=export_id).exclude(state=ExportState.DONE).update(
        state=ExportState.FAILED, stage="Stopped", finished_at=timezone.now(), error=problem
    )
    return Export.objects.get(pk=export_id)


def _plain_problem(exc: Exception) -> str:
    """What a refusal says in plain English; other failures get a generic message."""
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, ExportRefused | BundleBuildError):
        return str(exc)
    return ""


# --- Sending -------------------------------------------------------------------------------------


def _export_of(transfer: Transfer) -> Export:
    if transfer.export is None:  # every transfer is made with its export
        raise ValidationError("This transfer has no file.")
    return transfer.export


def _locked_transfer(transfer: Transfer) -> Transfer:
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("export", "pupil", "school", "destination_school")
        .get(pk=transfer.pk)
    )


def _append_sent(transfer: Transfer, actor: Any, when: datetime.datetime) -> None:
    export = _export_of(transfer)
    how = transfer.get_sent_how_display().lower()
    note = f" ({transfer.sent_note})" if transfer.sent_note else ""
    chronology_append(
        school_id=transfer.school_id,
        pupil_id=transfer.pupil_id,
        kind=EntryKind.TRANSFER_SENT,
        occurred_at=when,
        details=(
            f"Child-protection file sent to the DSL of {transfer.destination_name}: {how}{note}."
        ),
        significant=True,
        author=actor,
        source_label="transfers.Transfer",
        source_id=transfer.pk,
        source_hash=export.pdf_sha256,
    )


@transaction.atomic
def transfer_send(*, actor: Any, transfer: Transfer) -> IncomingTransfer:
    """Deliver the file to the new school in the service: its DSLs see it at once."""
    _require(actor, transfer.school_id)
    transfer = _locked_transfer(transfer)
    if transfer.destination_school is None:
        raise ValidationError(
            "The new school is not on this service: download the files and record how you sent "
            "them."
        )
    if transfer.state != TransferState.READY:
        raise ValidationError(_not_ready(transfer))
    export = _export_of(transfer)
    now = timezone.now()
    pupil = transfer.pupil
    incoming = IncomingTransfer(
        school=transfer.destination_school,
        source=IncomingSource.PLATFORM,
        transfer=transfer,
        from_school_name=transfer.school.name,
        from_school_address="\n".join(transfer.school.return_address[1:]),
        legal_first_name=pupil.legal_first_name,
        legal_middle_names=pupil.legal_middle_names,
        legal_last_name=pupil.legal_last_name,
        date_of_birth=pupil.date_of_birth,
        upn=pupil.upn,
        year_group=pupil.year_group,
        leaving_date=transfer.leaving_date,
        pages=export.pages,
        pdf_sha256=export.pdf_sha256,
        bundle_sha256=export.bundle_sha256,
    )
    # The receiving school's own copy, under its own folder; gone again if the sending fails.
    with stored_files_undone_on_error(incoming.pdf, incoming.bundle):
        with export.pdf.open("rb") as pdf:
            incoming.pdf.save(PDF_NAME, ContentFile(pdf.read()), save=False)
        with export.bundle.open("rb") as bundle:
            incoming.bundle.save(BUNDLE_NAME, ContentFile(bundle.read()), save=False)
        incoming.full_clean()
        incoming.save()
        transfer.state, transfer.sent_at, transfer.sent_by = TransferState.SENT, now, actor
        transfer.sent_how = SentHow.PLATFORM
        transfer.save()
        _append_sent(transfer, actor, now)
        notify(
            school=transfer.destination_school,
            recipients=safeguarding_leads(transfer.destination_school.pk),
            kind=NotificationKind.TRANSFER_INCOMING,
            title="A child-protection file has been sent to your school",
            link=reverse("incoming-detail", kwargs={"pk": incoming.pk}),
        )
    return incoming


def _not_ready(transfer: Transfer) -> str:
    if transfer.state == TransferState.PREPARING:
        return "The file is still being prepared."
    return f"This file has already been dealt with ({transfer.get_state_display().lower()})."


def _not_future(when: datetime.datetime, field: str) -> None:
    if when > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({field: "The date and time must not be in the future"})


@transaction.atomic
def transfer_record_sent(
    *,
    actor: Any,
    transfer: Transfer,
    sent_how: str,
    sent_at: datetime.datetime,
    sent_note: str = "",
) -> Transfer:
    """Record how the downloaded file was sent to a school that is not on this service."""
    _require(actor, transfer.school_id)
    transfer = _locked_transfer(transfer)
    if transfer.destination_school is not None:
        raise ValidationError("Send this file in the service: the new school uses it too.")
    if transfer.state != TransferState.READY:
        raise ValidationError(_not_ready(transfer))
    if sent_how not in SentHow.values or sent_how == SentHow.PLATFORM:
        raise ValidationError({"sent_how": "Choose how the file was sent"})
    _not_future(sent_at, "sent_at")
    if sent_at < _export_of(transfer).created_at - datetime.timedelta(minutes=5):
        raise ValidationError({"sent_at": "The file cannot have been sent before it was prepared"})
    transfer.state, transfer.sent_at, transfer.sent_by = TransferState.SENT, sent_at, actor
    transfer.sent_how, transfer.sent_note = sent_how, sent_note.strip()
    transfer.full_clean()
    transfer.save()
    _append_sent(transfer, actor, sent_at)
    return transfer


def _append_receipt(
    transfer: Transfer, author: Any, when: datetime.datetime, by: str, how: str
) -> None:
    chronology_append(
        school_id=transfer.school_id,
        pupil_id=transfer.pupil_id,
        kind=EntryKind.TRANSFER_RECEIPT,
        occurred_at=when,
        details=(
            f"Receipt of the child-protection file confirmed by {by} of "
            f"{transfer.destination_name} ({how.lower()})."
        ),
        significant=True,
        author=author,
        source_label="transfers.Transfer",
        source_id=transfer.pk,
        source_hash=transfer.export.pdf_sha256 if transfer.export else "",
    )
    # The sender's copy now passes to retention: read-only, destroyed after the trust's days.
    retention_after_receipt(transfer=transfer, by=author)


@transaction.atomic
def transfer_record_receipt(
    *,
    actor: Any,
    transfer: Transfer,
    receipt_by: str,
    received_at: datetime.datetime,
    receipt_how: str,
) -> Transfer:
    """Record who at the new school confirmed receipt, when and how (not on this service)."""
    _require(actor, transfer.school_id)
    transfer = _locked_transfer(transfer)
    if transfer.destination_school is not None:
        raise ValidationError("The new school confirms receipt in the service.")
    if transfer.state != TransferState.SENT:
        raise ValidationError("Record how the file was sent first.")
    errors = {}
    if not receipt_by.strip():
        errors["receipt_by"] = "Enter the name and role of the person who confirmed receipt"
    if receipt_how not in ReceiptHow.values or receipt_how == ReceiptHow.PLATFORM:
        errors["receipt_how"] = "Choose how receipt was confirmed"
    if errors:
        raise ValidationError(errors)
    _not_future(received_at, "received_at")
    assert transfer.sent_at is not None  # noqa: S101  (state SENT)
    if received_at < transfer.sent_at - datetime.timedelta(minutes=1):
        raise ValidationError(
            {"received_at": f"Receipt must be after the file was sent, {transfer.sent_at:%d/%m/%Y}"}
        )
    transfer.state, transfer.received_at = TransferState.RECEIVED, received_at
    transfer.receipt_by, transfer.receipt_how = receipt_by.strip(), receipt_how
    transfer.receipt_recorded_by = actor
    transfer.save()
    _append_receipt(
        transfer, actor, received_at, transfer.receipt_by, transfer.get_receipt_how_display()
    )
    return transfer


# --- Cancelling, and correcting the leaving date (ADR 0045) ---------------------------------------

REASON_LONGEST = 2000


def _reason(reason: str, missing: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": missing})
    if len(reason) > REASON_LONGEST:
        raise ValidationError(
            {"reason": f"The reason must be {REASON_LONGEST:,} characters or fewer"}
        )
    return reason


def _day(day: datetime.date) -> str:
    return date_format(day, "j F Y")


@transaction.atomic
def transfer_cancel(*, actor: Any, transfer: Transfer, reason: str) -> Transfer:
    """Cancel a transfer before the new school has confirmed receipt: the pupil is no longer
    marked leaving (their "date left" goes back to what it was), a file sent in the service is
    withdrawn from the new school (its copies removed, a plain note left on its page), and the
    cancelling is signed into the pupil's chronology with the reason."""
    _require(actor, transfer.school_id)
    reason = _reason(reason, "Enter why the transfer is being cancelled")
    transfer = _locked_transfer(transfer)
    if transfer.state == TransferState.RECEIVED:
        raise ValidationError(
            f"{transfer.destination_name} has confirmed receipt of the file, so the transfer "
            "can no longer be cancelled. If the pupil is not joining them, ask their DSL to "
            "send the file back."
        )
    if not transfer.is_open:
        raise ValidationError(
            f"This transfer cannot be cancelled: it is {transfer.get_state_display().lower()}."
        )
    now = timezone.now()
    withdrawn = ""
    incoming = IncomingTransfer.objects.select_for_update().filter(transfer=transfer).first()
    if incoming is not None:
        if incoming.state != IncomingState.WAITING:  # accepted or returned in the meantime
            raise ValidationError(
                f"{transfer.destination_name} has already dealt with the file "
                f"({incoming.get_state_display().lower()}), so the transfer cannot be cancelled."
            )
        incoming.state, incoming.withdrawn_at, incoming.withdrawn_reason = (
            IncomingState.WITHDRAWN,
            now,
            reason,
        )
        # The file is no longer the receiving school's: its copies go, their hashes stay.
        stored_files_delete_on_commit(
            [(f.storage, str(f.name)) for f in (incoming.pdf, incoming.bundle) if f],
            why=f"incoming {incoming.pk} withdrawn by the sender",
        )
        incoming.pdf, incoming.bundle = "", ""
        incoming.save()
        withdrawn = f" The file was withdrawn from {transfer.destination_name}, who are told."
        notify(
            school=incoming.school,
            recipients=safeguarding_leads(incoming.school_id),
            kind=NotificationKind.TRANSFER_WITHDRAWN,
            title="A child-protection file sent to your school has been withdrawn by the sender",
            link=reverse("incoming-detail", kwargs={"pk": incoming.pk}),
        )
    transfer.state, transfer.cancelled_at, transfer.cancelled_by = (
        TransferState.CANCELLED,
        now,
        actor,
    )
    transfer.cancel_reason = reason
    transfer.save()
    # The pupil is no longer leaving on that date, unless their roll already said so before.
    restored = Pupil.objects.filter(pk=transfer.pupil_id, left_on=transfer.leaving_date).update(
        left_on=transfer.left_on_before, updated_at=now
    )
    status = (
        f" {transfer.pupil.display_name} is no longer marked as leaving on "
        f"{_day(transfer.leaving_date)}."
        if restored and transfer.left_on_before is None
        else ""
    )
    chronology_append(
        school_id=transfer.school_id,
        pupil_id=transfer.pupil_id,
        kind=EntryKind.TRANSFER_CANCELLED,
        occurred_at=now,
        details=(
            f"Transfer of the child-protection file to {transfer.destination_name} cancelled: "
            f"{reason.rstrip('.')}.{status}{withdrawn}"
        ),
        significant=True,
        author=actor,
        source_label="transfers.Transfer",
        source_id=transfer.pk,
    )
    log.info("transfer %s cancelled by user %s", transfer.pk, actor.pk)
    return transfer


@transaction.atomic
def transfer_correct_leaving_date(
    *, actor: Any, transfer: Transfer, leaving_date: datetime.date, reason: str
) -> Transfer:
    """Correct the leaving date of a transfer under way: the send-by date is worked out again
    from it, the pupil's "date left" follows it, and the correction (from, to, why) is signed into
    the pupil's chronology."""
    _require(actor, transfer.school_id)
    transfer = _locked_transfer(transfer)
    if not transfer.is_open:
        raise ValidationError(
            "The leaving date can only be corrected before the new school confirms receipt: "
            f"this transfer is {transfer.get_state_display().lower()}."
        )
    pupil = transfer.pupil
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if leaving_date < pupil.joined_on:
        errors["leaving_date"] = (
            f"The leaving date must be on or after the day they joined, {_day(pupil.joined_on)}"
        )
    elif leaving_date > today + LEAVING_DATE_AHEAD:
        errors["leaving_date"] = "The leaving date must be within the next year"
    elif leaving_date == transfer.leaving_date:
        errors["leaving_date"] = (
            f"The leaving date is already {_day(leaving_date)}: enter the corrected date"
        )
    if errors:
        raise ValidationError(errors)
    reason = _reason(reason, "Enter why the leaving date is being corrected")
    was = transfer.leaving_date
    deadline = transfer_deadline(school=transfer.school_id, leaving_date=leaving_date)
    transfer.leaving_date, transfer.deadline = leaving_date, deadline.due
    transfer.end_of_term = deadline.end_of_term
    transfer.save(update_fields=["leaving_date", "deadline", "end_of_term", "updated_at"])
    now = timezone.now()
    Pupil.objects.filter(pk=pupil.pk, left_on=was).update(left_on=leaving_date, updated_at=now)
    # A file waiting at the new school carries the leaving date it was sent with: keep it true.
    IncomingTransfer.objects.filter(transfer=transfer, state=IncomingState.WAITING).update(
        leaving_date=leaving_date, updated_at=now
    )
    chronology_append(
        school_id=transfer.school_id,
        pupil_id=transfer.pupil_id,
        kind=EntryKind.LEAVING_DATE_CORRECTED,
        occurred_at=now,
        details=(
            f"Leaving date corrected from {_day(was)} to {_day(leaving_date)}: "
            f"{reason.rstrip('.')}."
            + (
                f" The file is now due by {_day(deadline.due)}."
                if transfer.state != TransferState.SENT
                else ""
            )
        ),
        significant=True,
        author=actor,
        source_label="transfers.Transfer",
        source_id=transfer.pk,
    )
    log.info("transfer %s leaving date corrected by user %s", transfer.pk, actor.pk)
    return transfer


# --- At the new school ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    pupil: Pupil | None
    # "UPN and date of birth", "legal name and date of birth", or "" (a new pupil is added)
    by: str
    # A pupil on the roll with the file's UPN but another date of birth: the DSL must check
    # before the file can be accepted (correct the roll, or return the file).
    upn_conflict: Pupil | None = None


def incoming_match(*, incoming: IncomingTransfer) -> Match:
    """The pupil of the receiving school the file belongs to: by UPN and date of birth, then by
    legal name and date of birth (only when exactly one pupil fits); none means the pupil is
    added to the roll. A pupil with the UPN but another date of birth matches nobody: it is
    reported as `upn_conflict`, and accepting is refused until someone checks."""
    pupils = Pupil.objects.filter(school_id=incoming.school_id)
    if incoming.pupil_id:
        return Match(incoming.pupil, "accepted")
    if incoming.upn:
        found = pupils.filter(upn=incoming.upn).first()
        if found is not None:
            if found.date_of_birth == incoming.date_of_birth:
                return Match(found, "UPN and date of birth")
            return Match(None, "", upn_conflict=found)
    # Names compared in Python, whatever their case and accents' case ("ZOË" is "Zoë"): SQLite's
    # case-insensitive LIKE folds only A to Z. Pupils of one date of birth are few.
    first = incoming.legal_first_name.strip().casefold()
    last = incoming.legal_last_name.strip().casefold()
    same = [
        pupil
        for pupil in pupils.filter(date_of_birth=incoming.date_of_birth).filter(
            Q(upn="") | Q(upn=incoming.upn)
        )
        if pupil.legal_first_name.strip().casefold() == first
        and pupil.legal_last_name.strip().casefold() == last
    ][:2]
    if len(same) == 1:
        return Match(same[0], "legal name and date of birth")
    return Match(None, "")


def year_group_for(date_of_birth: datetime.date, on: datetime.date) -> str:
    """The English year group of a child born on that day, in the school year of `on`."""
    school_year_start = on.year if on.month >= 9 else on.year - 1
    # Age on 31 August before the school year: 4 is Reception, 5 is Year 1.
    age = school_year_start - date_of_birth.year - (date_of_birth.month >= 9)
    year = age - 4
    if year < 0:
        return YearGroup.NURSERY
    if year == 0:
        return YearGroup.RECEPTION
    return str(min(year, 13))


def _pupil_for(incoming: IncomingTransfer, actor: Any) -> tuple[Pupil, bool]:
    match = incoming_match(incoming=incoming)
    if match.pupil is not None:
        return match.pupil, False
    if match.upn_conflict is not None:
        raise ValidationError(
            f"A pupil on your roll has UPN {incoming.upn} but a different date of birth from "
            "the file's: check which is right. Correct your roll, or return the file to the "
            "sender."
        )
    today = timezone.localdate()
    year_group = incoming.year_group
    if year_group not in YearGroup.values:
        year_group = year_group_for(incoming.date_of_birth, today)
    joined = today
    if incoming.leaving_date and incoming.leaving_date > today:
        joined = incoming.leaving_date + datetime.timedelta(days=1)
    pupil = pupil_create(
        school=incoming.school,
        legal_first_name=incoming.legal_first_name,
        legal_middle_names=incoming.legal_middle_names,
        legal_last_name=incoming.legal_last_name,
        date_of_birth=incoming.date_of_birth,
        upn=incoming.upn,
        year_group=year_group,
        joined_on=joined,
    )
    return pupil, True


@transaction.atomic
def incoming_accept(*, actor: Any, incoming: IncomingTransfer) -> IncomingTransfer:
    """Accept a received file: attach it to the matched (or new) pupil's CP file, record it in
    their chronology and, for a file sent in the service, confirm receipt to the sender."""
    _require(actor, incoming.school_id)
    incoming = (
        IncomingTransfer.objects.select_for_update().select_related("school").get(pk=incoming.pk)
    )
    if incoming.state != IncomingState.WAITING:
        raise ValidationError(f"This file has already been {incoming.get_state_display().lower()}.")
    pupil, created = _pupil_for(incoming, actor)
    if not created:  # a pupil coming back: their earlier file here is live again
        retention_end_for_returning_pupil(
            actor=actor, school_id=incoming.school_id, pupil=pupil, source=incoming.from_school_name
        )
    now = timezone.now()
    incoming.state, incoming.pupil, incoming.pupil_created = IncomingState.ACCEPTED, pupil, created
    incoming.decided_at, incoming.decided_by = now, actor
    incoming.save()
    # The file's chronology joins the pupil's here, as received entries (ADR 0045).
    added = received_history_bring_in(actor=actor, incoming=incoming)
    history = (
        f" {added} {'entry' if added == 1 else 'entries'} of its chronology added here as "
        "received entries."
        if added
        else ""
    )
    chronology_append(
        school_id=incoming.school_id,
        pupil_id=pupil.pk,
        kind=EntryKind.TRANSFER_RECEIVED,
        occurred_at=now,
        details=(
            f"Child-protection file received from {incoming.from_school_name} "
            f"({incoming.get_source_display().lower()}) and accepted.{history}"
        ),
        significant=True,
        author=actor,
        source_label="transfers.IncomingTransfer",
        source_id=incoming.pk,
        source_hash=incoming.pdf_sha256,
    )
    # The received file is part of a CP file: open one if the pupil has none open.
    if not CpFile.objects.filter(pupil=pupil, closed_at__isnull=True).exists():
        cp_file_open(
            actor=actor,
            pupil=pupil,
            reason=f"Child-protection file received from {incoming.from_school_name}",
        )
    if incoming.transfer_id:
        transfer = _locked_transfer(incoming.transfer)  # type: ignore[arg-type]
        if transfer.state == TransferState.SENT:
            by = f"{actor.full_name}, {_role_at(actor, incoming.school_id)}".strip(", ")
            transfer.state, transfer.received_at, transfer.receipt_by = (
                TransferState.RECEIVED,
                now,
                by,
            )
            transfer.receipt_how = ReceiptHow.PLATFORM
            transfer.save()
            _append_receipt(transfer, actor, now, by, ReceiptHow.PLATFORM.label)
            notify(
                school=transfer.school,
                recipients=safeguarding_leads(transfer.school_id),
                kind=NotificationKind.TRANSFER_RECEIPT,
                title="The new school has confirmed receipt of a child-protection file",
                link=reverse("transfer-detail", kwargs={"pk": transfer.pk}),
            )
    return incoming


@transaction.atomic
def incoming_reject(*, actor: Any, incoming: IncomingTransfer, reason: str) -> IncomingTransfer:
    """Return a file that is not for this school (the wrong pupil), with the reason."""
    _require(actor, incoming.school_id)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why you are returning the file"})
    incoming = IncomingTransfer.objects.select_for_update().get(pk=incoming.pk)
    if incoming.state != IncomingState.WAITING:
        raise ValidationError(f"This file has already been {incoming.get_state_display().lower()}.")
    now = timezone.now()
    incoming.state, incoming.decided_at, incoming.decided_by = IncomingState.REJECTED, now, actor
    incoming.rejection_reason = reason.strip()
    # The file is not this school's to keep: its copies go (after commit), their hashes stay.
    stored_files_delete_on_commit(
        [(f.storage, str(f.name)) for f in (incoming.pdf, incoming.bundle) if f],
        why=f"incoming {incoming.pk} returned",
    )
    incoming.pdf, incoming.bundle = "", ""
    incoming.save()
    if incoming.transfer_id:
        transfer = _locked_transfer(incoming.transfer)  # type: ignore[arg-type]
        receiving_school = incoming.school_id
        transfer.state, transfer.rejected_at = TransferState.REJECTED, now
        transfer.rejected_by = f"{actor.full_name}, {_role_at(actor, receiving_school)}".strip(", ")
        transfer.rejection_reason = incoming.rejection_reason
        transfer.save()
        chronology_append(
            school_id=transfer.school_id,
            pupil_id=transfer.pupil_id,
            kind=EntryKind.INFORMATION_RECEIVED,
            occurred_at=now,
            details=(
                f"{transfer.destination_name} returned the child-protection file sent to them: "
                f"{transfer.rejection_reason}"
            ),
            significant=True,
            author=actor,
            source_label="transfers.Transfer",
            source_id=transfer.pk,
        )
        notify(
            school=transfer.school,
            recipients=safeguarding_leads(transfer.school_id),
            kind=NotificationKind.TRANSFER_RETURNED,
            title="A child-protection file you sent was returned by the new school",
            link=reverse("transfer-detail", kwargs={"pk": transfer.pk}),
            urgent=True,
        )
    return incoming


@transaction.atomic
def incoming_import(*, actor: Any, school: School, data: bytes | IO[bytes]) -> IncomingTransfer:
    """A bundle received from a school outside this service: verified (signature and hashes),
    then waiting to be accepted like a file sent in the service. A bundle that fails any check
    is refused with the reason. `data` may be the upload itself, read where it lies (ADR 0031)."""
    _require(actor, school.pk)
    size = _upload_size(data)
    if not size:
        raise ValidationError({"bundle": "Choose the bundle file (a .zip) to upload"})
    if size > LARGEST_IMPORT:
        raise ValidationError({"bundle": "The bundle must be smaller than 200 MB"})
    try:
        opened = bundle_open(data)
    except BundleRefused as refused:
        raise ValidationError({"bundle": import_refusal(refused.reason)}) from None
    manifest, pdf = opened.manifest_signature, opened.pdf_signature
    if not manifest.fingerprint or manifest.fingerprint != pdf.fingerprint:
        # A genuine PDF about one child, repackaged with records about another, signed anew.
        raise ValidationError(
            {
                "bundle": "This bundle was refused: its records were signed with one "
                f"certificate ({manifest.signer or 'an unknown signer'}) and its PDF with "
                f"another ({pdf.signer or 'an unknown signer'}), so the records may not be "
                "about the child the PDF is about. Ask the sending school to send it again."
            }
        )
    identity = _bundle_pupil(opened)
    pdf_sha256 = opened.pdf_sha256
    _refuse_a_file_held(school=school, pdf_sha256=pdf_sha256)
    incoming = IncomingTransfer(
        school=school,
        source=IncomingSource.IMPORT,
        uploaded_by=actor,
        from_school_name=identity["from_school_name"]
        or "The sending school (not named in the bundle)",
        from_school_address=identity["from_school_address"],
        legal_first_name=identity["legal_first_name"],
        legal_middle_names=identity["legal_middle_names"],
        legal_last_name=identity["legal_last_name"],
        date_of_birth=identity["date_of_birth"],
        upn=identity["upn"],
        year_group=identity["year_group"],
        leaving_date=identity["leaving_date"],
        pdf_sha256=pdf_sha256,
        bundle_sha256=sha256(data) if isinstance(data, bytes) else _stream_sha256(data),
        check_warnings=[str(w) for w in opened.warnings],
        signatures_trusted=opened.trusted,
        sender_on_service=opened.trusted
        or bool(identity["urn"] and School.objects.filter(urn=identity["urn"]).exists()),
    )
    # Checked before anything is stored: a refused bundle leaves no file behind.
    try:
        incoming.full_clean(exclude=["pupil", "transfer", "pdf", "bundle"])
    except ValidationError as exc:
        raise ValidationError(
            {"bundle": "The bundle's pupil details are incomplete: " + "; ".join(exc.messages)}
        ) from None
    with stored_files_undone_on_error(incoming.pdf, incoming.bundle):
        opened.pdf_file.seek(0)
        incoming.pdf.save(PDF_NAME, File(opened.pdf_file), save=False)
        bundle = ContentFile(data) if isinstance(data, bytes) else File(data)
        incoming.bundle.save(BUNDLE_NAME, bundle, save=False)
        incoming.full_clean(exclude=["pupil", "transfer"])
        incoming.save()
    return incoming


_NOT_A_BUNDLE = ("not a zip file",)


def import_refusal(reason: str) -> str:
    """A refused bundle's reason in plain English first, with a next step, then the detail."""
    detail = " ".join(reason.split()).rstrip(".")
    if len(detail) > 1 and detail[0].isupper() and detail[1].islower():
        detail = detail[0].lower() + detail[1:]  # "This is ..." reads on after "Detail:"
    if any(words in reason.lower() for words in _NOT_A_BUNDLE):
        lead = (
            "This file is not a CP-file bundle, so it cannot be imported. Upload the .zip file "
            "the sending school sent you"
        )
    else:
        lead = (
            "This bundle is damaged or has been changed, so it cannot be trusted. Ask the "
            "school that sent it to send it again"
        )
    return f"{lead}. (Detail: {detail}.)" if detail else f"{lead}."


def _refuse_a_file_held(*, school: School, pdf_sha256: str) -> None:
    """A file this school already holds (waiting or accepted) is not imported a second time.
    Imports to one school are taken one at a time (a transaction-scoped lock) so two uploads of
    the same bundle at once cannot both pass."""
    if connection.vendor == "postgresql":  # SQLite (make run) already takes writers one at a time
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [IMPORT_LOCK, school.pk])
    earlier = (
        IncomingTransfer.objects.filter(
            school=school,
            pdf_sha256=pdf_sha256,
            state__in=[IncomingState.WAITING, IncomingState.ACCEPTED],
        )
        .order_by("created_at")
        .first()
    )
    if earlier is None:
        return
    when = date_format(timezone.localtime(earlier.created_at), "j F Y")
    how = "imported" if earlier.source == IncomingSource.IMPORT else "received in the service"
    where = (
        "it is waiting in Incoming CP files"
        if earlier.state == IncomingState.WAITING
        else "it was accepted, and is in the pupil's child-protection file"
    )
    raise ValidationError({"bundle": f"This file was already {how} on {when}: {where}."})


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _bundle_pupil(opened: Any) -> dict[str, Any]:
    """Who an opened bundle is about, and who sent it (its documented JSON, docs/)."""
    pupil, school = opened.pupil or {}, opened.sending_school or {}
    address = school.get("return_address") or []
    if isinstance(address, str):
        address = address.splitlines()
    name = str(school.get("name") or "")
    lines = [str(line) for line in address if line and str(line) != name]
    dob = _date(pupil.get("date_of_birth"))
    if dob is None:
        raise ValidationError({"bundle": "The bundle does not give the pupil's date of birth"})
    return {
        "from_school_name": name[:200],
        "from_school_address": "\n".join(lines),
        "legal_first_name": str(pupil.get("legal_first_name") or "")[:100],
        "legal_middle_names": str(pupil.get("legal_middle_names") or "")[:150],
        "legal_last_name": str(pupil.get("legal_last_name") or "")[:100],
        "date_of_birth": dob,
        "upn": str(pupil.get("upn") or "")[:13].upper(),
        "year_group": str(pupil.get("year_group") or "")[:2],
        "leaving_date": _date(pupil.get("left_on")),
        "urn": str(school.get("urn") or "")[:10],
    }
