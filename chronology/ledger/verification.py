"""The check of a school's chain: every entry's hash and link, and every signed record the entries
cite, re-hashed from its current row (docs/adr/0030).

The chain is read once, in order, as a stream; the records it cites are re-hashed in batches as
it goes, one check (a query or a few) per kind of record per batch, so the number of queries grows
with the chain's length divided by the batch size and never with the records one by one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps

from safeguard.signing import content_hash

from ..models.ledger import GENESIS_HASH, ChainHead, ChronologyEntry
from . import hooks
from .content import SIGNED_FIELDS, entry_content
from .sources import Cited, Context, source_check

# How many cited records are re-hashed together: a batch's rows are held in memory at once.
RECORD_BATCH = 2000
# How many chain rows the database hands over at a time.
CHAIN_CHUNK = 5000

CHANGED = "has changed since it was signed: its row no longer gives the hash its entry holds"
MISSING = "is missing: its row was deleted"
UNCHECKABLE = "cannot be checked: no check is registered for its kind of record"


@dataclass(frozen=True)
class BrokenRecord:
    """A signed record that no longer matches the hash its chronology entry holds. Names the
    entry, the kind of record and its id: never what the record says."""

    sequence: int
    source_label: str
    source_id: str
    problem: str

    def __str__(self) -> str:
        return f"entry {self.sequence}: {record_kind(self.source_label)} {self.source_id} " + (
            f"({self.source_label}) {self.problem}"
        )


def record_kind(label: str) -> str:
    """A model label's name in words ("concerns.DslRecord" is a "DSL record")."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


@dataclass(frozen=True)
class ChainReport:
    school_id: int
    checked: int
    broken_at: int | None = None  # the sequence number of the first broken link
    problem: str = ""
    # The hash of the last entry checked: the chain's head when the chain is intact.
    head_hash: str = GENESIS_HASH
    records_checked: int = 0  # signed records re-hashed and found as signed
    records_destroyed: int = 0  # cited records retention destroyed (in part): not re-hashed
    broken_records: tuple[BrokenRecord, ...] = field(default=())

    @property
    def chain_ok(self) -> bool:
        """Every entry's hash and link recompute (whatever the records they cite now say)."""
        return self.broken_at is None

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.broken_records


class _SignedRecords:
    """The signed records the chain cites, re-hashed in batches as the chain is read."""

    def __init__(self, school_id: int) -> None:
        self.school_id = school_id
        self._context: Context | None = None
        self.pending: list[tuple[int, str, Cited, str]] = []
        self.broken: list[BrokenRecord] = []
        self.checked = 0
        self.destroyed = 0

    def add(self, row: dict[str, Any]) -> None:
        cited = Cited(source_id=row["source_id"], kind=row["kind"])
        self.pending.append((row["sequence"], row["source_label"], cited, row["source_hash"]))
        if len(self.pending) >= RECORD_BATCH:
            self.flush()

    def context(self) -> Context:
        if self._context is None:  # asked once, and only of a chain that cites records
            pupils = frozenset(hooks.destroyed_pupils(self.school_id))
            self._context = Context(school_id=self.school_id, destroyed_pupils=pupils)
        return self._context

    def flush(self) -> None:
        by_label: dict[str, list[tuple[int, str, Cited, str]]] = defaultdict(list)
        for item in self.pending:
            by_label[item[1]].append(item)
        self.pending = []
        for label, items in by_label.items():
            check = source_check(label)
            if check is None:  # fail closed: a kind nobody checks is reported, not passed
                self.broken += [
                    BrokenRecord(seq, label, c.source_id, UNCHECKABLE) for seq, _, c, _ in items
                ]
                continue
            answer = check(list(dict.fromkeys(c for _, _, c, _ in items)), self.context())
            for sequence, _, cited, cited_hash in items:
                if cited not in answer:
                    self.broken.append(BrokenRecord(sequence, label, cited.source_id, MISSING))
                    continue
                hashes = answer[cited]
                if hashes is None:
                    self.destroyed += 1
                elif cited_hash in hashes:
                    self.checked += 1
                else:
                    self.broken.append(BrokenRecord(sequence, label, cited.source_id, CHANGED))

    def report(self, **chain: Any) -> ChainReport:
        self.flush()
        return ChainReport(
            **chain,
            records_checked=self.checked,
            records_destroyed=self.destroyed,
            broken_records=tuple(sorted(self.broken, key=lambda r: r.sequence)),
        )


def _rows(school_id: int, through: int | None) -> Iterator[dict[str, Any]]:
    fields = [*SIGNED_FIELDS, "entry_hash", "id"]
    rows = ChronologyEntry.objects.filter(school_id=school_id)
    if through is not None:
        rows = rows.filter(sequence__lte=through)
    return rows.order_by("sequence").values(*fields).iterator(chunk_size=CHAIN_CHUNK)


def _entry_problem(
    row: dict[str, Any], previous: str, tombstone: tuple[str, str] | None
) -> str | None:
    """What is wrong with one entry of the chain read in order, if anything."""
    if row["previous_hash"] != previous:
        return "its link to the previous entry does not match"
    if tombstone is not None:
        tombstone_hash, tombstone_pupil = tombstone
        if tombstone_hash != row["entry_hash"]:
            return "its hash differs from its tombstone"
        if str(row["pupil_id"]) != tombstone_pupil or row["details"] or row["people_involved"]:
            return "it was destroyed, yet it holds words again"
    elif content_hash(entry_content(row)) != row["entry_hash"]:
        return "its content does not match its hash"
    return None


def _end_problem(school_id: int, checked: int, last_hash: str) -> str | None:
    """Whether the chain ends where the record of its end says."""
    head = ChainHead.objects.filter(school_id=school_id).first()
    if head is None and checked:
        return "the record of the chain's end is missing"
    if head is not None and (head.last_sequence != checked or head.last_hash != last_hash):
        return f"the chain should end at entry {head.last_sequence}"
    return None


def verify_chain(
    *, school_id: int, through: int | None = None, records: bool = True
) -> ChainReport:
    """Recompute every entry's hash and link, and re-hash every signed record an entry cites;
    report the first entry where the chain breaks and every record that no longer matches.

    An entry whose content retention destroyed cannot be recomputed: its hash must be the one its
    file's tombstone recorded at destruction, and it must still link the chain; the records it
    cites are blank too and are not re-hashed. With `through`, only the entries up to that
    sequence number are checked (the chain's first part, as published); with `records=False`,
    only the chain."""
    destroyed = hooks.destroyed_entries(school_id)
    signed = _SignedRecords(school_id)
    previous = GENESIS_HASH
    checked = 0

    def report(broken_at: int | None = None, problem: str = "") -> ChainReport:
        return signed.report(
            school_id=school_id,
            checked=checked,
            broken_at=broken_at,
            problem=problem,
            head_hash=previous,
        )

    for row in _rows(school_id, through):
        sequence = row["sequence"]
        if sequence != checked + 1:
            return report(checked + 1, f"entry {checked + 1} is missing")
        tombstone = destroyed.get(str(row["id"]))
        problem = _entry_problem(row, previous, tombstone)
        if problem:
            return report(sequence, problem)
        if records and row["source_hash"] and row["source_label"]:
            if tombstone is None:
                signed.add(row)
            else:  # its record's words are blank: the tombstone keeps its hash
                signed.destroyed += 1
        previous = row["entry_hash"]
        checked += 1
    if through is not None:  # the first part of the chain, up to a published head
        return (
            report(checked + 1, f"entry {checked + 1} is missing")
            if checked < through
            else report()
        )
    problem = _end_problem(school_id, checked, previous)
    return report(checked + 1, problem) if problem else report()


@dataclass(frozen=True)
class HeadComparison:
    """Whether a school's chain still starts with the entries a published head closed."""

    sequence: int
    same: bool
    problem: str = ""


def chain_head_compare(*, school_id: int, sequence: int, head_hash: str) -> HeadComparison:
    """The published head's entry is still at its sequence number with its hash, and every entry
    up to it still recomputes and links: nothing before it was rewritten, removed or added."""
    if sequence == 0:
        same = head_hash == GENESIS_HASH
        return HeadComparison(0, same, "" if same else "an empty chain has no other head")
    report = verify_chain(school_id=school_id, through=sequence, records=False)
    if not report.chain_ok:
        problem = f"the chain breaks at entry {report.broken_at}: {report.problem}"
        return HeadComparison(sequence, False, problem)
    if report.head_hash != head_hash:
        return HeadComparison(
            sequence,
            False,
            f"entry {sequence} holds a different hash: the chain was rewritten at or before it",
        )
    return HeadComparison(sequence, True)
