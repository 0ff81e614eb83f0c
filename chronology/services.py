"""Writes to each pupil's chronology.

The chronology (issue: the child's record) turns every signed event into an entry of the school's
hash chain. Until that lands, services call `chronology_record_signed_event` at every signed
event, so adding the chronology means implementing this one function, not finding the callers.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SignedEvent:
    """A signed record that belongs in the chronology of each pupil it concerns."""

    school_id: int
    pupil_ids: list[Any]
    kind: str  # concern_submitted, addendum_added, dsl_record_signed, action_done
    source_label: str  # e.g. "concerns.Concern"
    source_id: Any
    source_hash: str
    occurred_at: datetime.datetime
    summary: str  # no more than a line; the source holds the detail
    author_id: Any


def chronology_record_signed_event(*, event: SignedEvent) -> None:
    """Append the event to each pupil's chronology (the chronology issue fills this in)."""
    return None
