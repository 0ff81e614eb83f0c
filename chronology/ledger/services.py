"""Appends to each school's hash chain, and the check of every chain.

Appends are serialised per school by locking the school's `ChainHead` row (`chain_lock`), so
concurrent writers cannot fork the chain. Each entry's hash covers its content, the previous
entry's hash, and the hash of the record it came from.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.mail import mail_admins, send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from safeguard.signing import content_hash
from schools.models import School, SchoolMembership, TrustMembership, User

from ..models.ledger import GENESIS_HASH, ChainHead, ChronologyEntry, EntryKind
from . import hooks
from .content import SIGNED_FIELDS, SignedEvent, entry_content


def _role_of(author: Any, school_id: int) -> str:
    roles = [
        m.get_role_display()
        for m in SchoolMembership.objects.filter(user=author, school_id=school_id).order_by("role")
    ] + [m.get_role_display() for m in TrustMembership.objects.filter(user=author)]
    preferred = [r for r in roles if "Safeguarding" in r] or roles
    return preferred[0] if preferred else author.job_title


class ChainBrokenError(Exception):
    """The school's chain cannot be appended to safely (its end is missing)."""


def chain_lock(school_id: int) -> ChainHead:
    """Lock the end of the school's chain until the transaction ends (created on first use).

    Every append takes it, and so does retention's destruction: an entry being appended for a
    child whose file is being destroyed finishes first, or waits and is then refused."""
    head = ChainHead.objects.select_for_update().filter(school_id=school_id).first()
    if head is not None:
        return head
    if ChronologyEntry.objects.filter(school_id=school_id).exists():
        # Entries without an end: never start a second chain over the first.
        raise ChainBrokenError(
            "The school's chronology chain has lost its end: run verify_records."
        )
    try:
        with transaction.atomic():
            ChainHead.objects.create(school_id=school_id)
    except IntegrityError:  # another writer created it at the same moment
        pass
    return ChainHead.objects.select_for_update().get(school_id=school_id)


@transaction.atomic
def chronology_append(
    *,
    school_id: int,
    pupil_id: Any,
    kind: str,
    occurred_at: datetime.datetime,
    details: str,
    author: Any,
    people_involved: str = "",
    significant: bool = False,
    source_label: str = "",
    source_id: Any = "",
    source_hash: str = "",
    concern_ref: Any = None,
    corrects: ChronologyEntry | None = None,
) -> ChronologyEntry:
    """Append one entry to the school's chain (under the school's lock)."""
    head = chain_lock(school_id)
    # Under the chain lock, which destruction takes too: no entry slips past it unblanked.
    if hooks.is_read_only(school_id=school_id, pupil_id=pupil_id):
        raise hooks.read_only_error(pupil_id)
    entry = ChronologyEntry(
        school_id=school_id,
        pupil_id=pupil_id,
        sequence=head.last_sequence + 1,
        kind=kind,
        occurred_at=occurred_at,
        details=details.strip(),
        people_involved=people_involved.strip(),
        significant=significant,
        source_label=source_label,
        source_id=str(source_id) if source_id else "",
        source_hash=source_hash,
        concern_ref=concern_ref,
        corrects=corrects,
        author=author,
        author_name=author.full_name,
        author_role=_role_of(author, school_id),
        recorded_at=timezone.now(),
        previous_hash=head.last_hash,
    )
    entry.entry_hash = content_hash(entry_content({f: getattr(entry, f) for f in SIGNED_FIELDS}))
    entry.full_clean()
    entry.save()
    head.last_sequence, head.last_hash = entry.sequence, entry.entry_hash
    head.save(update_fields=["last_sequence", "last_hash", "updated_at"])
    return entry


def chronology_record_signed_event(*, event: SignedEvent) -> None:
    """Append the event to each pupil's chronology, linked to its source and its hash."""
    author = User.objects.get(pk=event.author_id)
    pupil_ids = list(event.pupil_ids)
    # A record shared with a child whose file is in retention goes on for the others: only that
    # child's chronology is left alone. A record about such children alone is refused.
    kept = {str(p) for p in hooks.read_only_pupils(school_id=event.school_id, pupil_ids=pupil_ids)}
    if kept and kept >= {str(p) for p in pupil_ids}:
        raise hooks.read_only_error(pupil_ids[0])
    if kept:  # the record names a child who has left: the DSL passes it on
        hooks.on_skipped(school_id=event.school_id, concern_id=event.concern_id)
    for pupil_id in (p for p in pupil_ids if str(p) not in kept):
        chronology_append(
            school_id=event.school_id,
            pupil_id=pupil_id,
            kind=event.kind,
            occurred_at=event.occurred_at,
            details=event.summary,
            author=author,
            significant=event.kind == EntryKind.DSL_DECISION,
            source_label=event.source_label,
            source_id=event.source_id,
            source_hash=event.source_hash,
            concern_ref=event.concern_id,
        )


# --- Verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    school_id: int
    checked: int
    broken_at: int | None = None  # the sequence number of the first broken link
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _rows(school_id: int) -> Iterator[dict[str, Any]]:
    fields = [*SIGNED_FIELDS, "entry_hash", "id"]
    return (
        ChronologyEntry.objects.filter(school_id=school_id)
        .order_by("sequence")
        .values(*fields)
        .iterator(chunk_size=5000)
    )


def verify_chain(*, school_id: int) -> ChainReport:
    """Recompute every entry's hash and link; report the first entry where the chain breaks.

    An entry whose content retention destroyed cannot be recomputed: its hash must be the one its
    file's tombstone recorded at destruction, and it must still link the chain."""
    destroyed = hooks.destroyed_entries(school_id)
    previous = GENESIS_HASH
    expected_sequence = 1
    checked = 0
    for row in _rows(school_id):
        sequence = row["sequence"]
        if sequence != expected_sequence:
            return ChainReport(
                school_id, checked, expected_sequence, f"entry {expected_sequence} is missing"
            )
        if row["previous_hash"] != previous:
            return ChainReport(
                school_id, checked, sequence, "its link to the previous entry does not match"
            )
        tombstone = destroyed.get(str(row["id"]))
        if tombstone is not None:
            tombstone_hash, tombstone_pupil = tombstone
            if tombstone_hash != row["entry_hash"]:
                return ChainReport(
                    school_id, checked, sequence, "its hash differs from its tombstone"
                )
            if str(row["pupil_id"]) != tombstone_pupil or row["details"] or row["people_involved"]:
                return ChainReport(
                    school_id, checked, sequence, "it was destroyed, yet it holds words again"
                )
        elif content_hash(entry_content(row)) != row["entry_hash"]:
            return ChainReport(school_id, checked, sequence, "its content does not match its hash")
        previous = row["entry_hash"]
        expected_sequence += 1
        checked += 1
    head = ChainHead.objects.filter(school_id=school_id).first()
    if head is None and checked:
        return ChainReport(
            school_id, checked, checked + 1, "the record of the chain's end is missing"
        )
    if head is not None and (head.last_sequence != checked or head.last_hash != previous):
        return ChainReport(
            school_id, checked, checked + 1, f"the chain should end at entry {head.last_sequence}"
        )
    return ChainReport(school_id, checked)


def chains_verify_and_report() -> list[str]:
    """Check every school's chain; email the platform administrators about any that is broken
    (no child's details in the email). Returns one line per broken chain."""
    broken = []
    for school in School.objects.order_by("name"):
        report = verify_chain(school_id=school.pk)
        if not report.ok:
            broken.append(
                f"{school.name} (id {school.pk}): entry {report.broken_at}: {report.problem}"
            )
    if broken:
        body = (
            "The nightly record-integrity check found broken chronology chains:\n\n"
            + "\n".join(broken)
            + "\n\nRun `python manage.py verify_records` for details."
            + " No child's details are in this email."
        )
        admins = list(
            User.objects.filter(is_superuser=True, is_active=True).values_list("email", flat=True)
        )
        if admins:
            send_mail("Safeguard: record-integrity check failed", body, None, admins)
        else:
            mail_admins("Safeguard: record-integrity check failed", body)
    return broken
