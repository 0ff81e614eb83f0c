"""Appends to each school's hash chain, and the nightly check of every chain.

Appends are serialised per school by locking the school's `ChainHead` row (`chain_lock`), so
concurrent writers cannot fork the chain. Each entry's hash covers its content, the previous
entry's hash, and the hash of the record it came from. The check itself is in `verification`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.mail import mail_admins, send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from safeguard.signing import content_hash
from schools.models import School, SchoolMembership, TrustMembership, User

from ..models.ledger import ChainHead, ChronologyEntry, EntryKind
from . import hooks
from .content import SIGNED_FIELDS, SignedEvent, entry_content
from .heads import PublishedHead
from .verification import ChainReport, verify_chain

__all__ = [
    "ChainBrokenError",
    "ChainReport",
    "chain_heads_published",
    "chain_lock",
    "chains_verify_and_report",
    "chronology_append",
    "chronology_record_signed_event",
    "verify_chain",
]


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
    printed_name: str = "",
    printed_role: str = "",
) -> ChronologyEntry:
    """Append one entry to the school's chain (under the school's lock).

    The printed name and role are the author's, unless given: an entry received from another
    school prints the name and role its sender recorded (the author is who brought it in)."""
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
        author_name=printed_name or author.full_name,
        author_role=printed_role or _role_of(author, school_id),
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
            details=event.pupil_summaries.get(str(pupil_id), event.summary),
            author=author,
            significant=event.kind in (EntryKind.DSL_DECISION, EntryKind.REASSESSMENT_REVIEW),
            source_label=event.source_label,
            source_id=event.source_id,
            source_hash=event.source_hash,
            concern_ref=event.concern_id,
        )


# --- The nightly check ---------------------------------------------------------------------------

# At most this many changed records per school are listed in the email (verify_records lists all).
EMAIL_RECORDS_SHOWN = 20


def published_head(school: School, report: ChainReport) -> PublishedHead:
    """The head of a school's chain as checked: its last entry's sequence number and hash."""
    return PublishedHead(school.pk, school.slug, school.name, report.checked, report.head_hash)


def chain_heads_published(*, records: bool = False) -> tuple[list[PublishedHead], list[str]]:
    """Every school's chain head once its chain is checked, and one line per broken chain (whose
    head is left out: a head is published only for a chain that recomputes to it)."""
    heads, broken = [], []
    for school in School.objects.order_by("name"):
        report = verify_chain(school_id=school.pk, records=records)
        if report.chain_ok:
            heads.append(published_head(school, report))
        else:
            broken.append(
                f"{school.name} (id {school.pk}): entry {report.broken_at}: {report.problem}"
            )
    return heads, broken


def _platform_administrators() -> list[str]:
    return list(
        User.objects.filter(Q(is_staff=True) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
    )


def chains_verify_and_report() -> list[str]:
    """Check every school's chain and re-hash the signed records it cites; email the platform
    administrators every night: each chain's head (so a copy is kept outside the database, for
    `compare_chain_heads`) and anything broken (no child's details in the email). Returns one
    line per broken chain or changed record."""
    broken: list[str] = []
    heads: list[str] = []
    for school in School.objects.order_by("name"):
        report = verify_chain(school_id=school.pk)
        where = f"{school.name} (id {school.pk})"
        if report.chain_ok:
            heads.append(published_head(school, report).line())
        else:
            broken.append(f"{where}: entry {report.broken_at}: {report.problem}")
            heads.append(f"{where}: no head: the chain is broken at entry {report.broken_at}")
        shown = report.broken_records[:EMAIL_RECORDS_SHOWN]
        broken += [f"{where}: {record}" for record in shown]
        if len(report.broken_records) > len(shown):
            more = len(report.broken_records) - len(shown)
            broken.append(f"{where}: and {more} more changed records (run verify_records)")
    keep = (
        "Each school's chain head (its last entry and that entry's hash) is below. Keep this "
        "email outside Safeguard: each entry's hash covers the entry before it, so tomorrow's "
        "chains must still hold these entries, or something before them was rewritten. To "
        "check the database against it, save the lines below to a file and run "
        "`python manage.py compare_chain_heads <file>`.\n\n" + "\n".join(heads)
    )
    if broken:
        subject = "Safeguard: record-integrity check failed"
        body = (
            "The nightly record-integrity check found broken chronology chains or changed "
            "signed records:\n\n"
            + "\n".join(broken)
            + "\n\nRun `python manage.py verify_records` for details.\n\n"
            + keep
        )
    else:
        subject = "Safeguard: record-integrity check passed"
        body = (
            "The nightly record-integrity check found every school's chronology chain intact "
            "and every signed record as its chronology entry holds it.\n\n" + keep
        )
    body += "\n\nNo child's details are in this email."
    admins = _platform_administrators()
    if admins:
        send_mail(subject, body, None, admins)
    else:
        mail_admins(subject, body)
    return broken
