"""Chronology entries written in bulk for the benchmarks, chained as the ledger chains them (the
service writes them one by one under a lock: too slow for thousands)."""

from __future__ import annotations

import datetime
from typing import Any

from chronology.ledger.content import SIGNED_FIELDS, entry_content
from chronology.models import ChronologyEntry
from safeguard.signing import content_hash


def sealed(entry: ChronologyEntry) -> str:
    """Give the entry its hash, over its signed fields and the previous entry's hash."""
    entry.entry_hash = content_hash(entry_content({f: getattr(entry, f) for f in SIGNED_FIELDS}))
    return str(entry.entry_hash)


def note_entry(
    *,
    school: Any,
    pupil_id: Any,
    sequence: int,
    occurred_at: datetime.datetime,
    author: Any,
    recorded_at: datetime.datetime,
    previous: str,
) -> ChronologyEntry:
    """The DSL's note number `sequence`, after `previous`, its hash given."""
    entry = ChronologyEntry(
        school=school,
        pupil_id=pupil_id,
        sequence=sequence,
        kind="note",
        occurred_at=occurred_at,
        details=f"Benchmark entry {sequence}: a call, a meeting, a note of what was said and done.",
        author=author,
        author_name=author.full_name,
        author_role="Designated Safeguarding Lead",
        recorded_at=recorded_at,
        previous_hash=previous,
    )
    sealed(entry)
    return entry
