"""The canonical content of a chronology entry (what its hash covers), and the signed event that
writers hand to the ledger. Pure: no database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

# The fields an entry's hash covers, in order. Changing this list breaks every existing chain.
SIGNED_FIELDS = [
    "school_id",
    "sequence",
    "pupil_id",
    "kind",
    "occurred_at",
    "details",
    "people_involved",
    "significant",
    "source_label",
    "source_id",
    "source_hash",
    "concern_ref",
    "corrects_id",
    "author_id",
    "author_name",
    "author_role",
    "recorded_at",
    "previous_hash",
]


@dataclass(frozen=True)
class SignedEvent:
    """A signed record that belongs in the chronology of each pupil it concerns."""

    school_id: int
    pupil_ids: list[Any]
    kind: str  # concern_submitted, addendum_added, dsl_record_signed, action_done
    source_label: str  # e.g. "concerns.Concern": a model label, frozen inside the hash
    source_id: Any
    source_hash: str
    concern_id: Any
    occurred_at: datetime.datetime
    summary: str  # no more than a line; the source holds the detail
    author_id: Any
    # A pupil's own line, where it differs (a concern's categories are each pupil's own).
    pupil_summaries: dict[str, str] = field(default_factory=dict)


def entry_content(values: dict[str, Any]) -> dict[str, Any]:
    """The canonical content of an entry (what its hash covers), from a row's field values."""
    content = {field: values[field] for field in SIGNED_FIELDS}
    content["pupil_id"] = str(content["pupil_id"])
    content["corrects_id"] = str(content["corrects_id"]) if content["corrects_id"] else None
    content["concern_ref"] = str(content["concern_ref"]) if content["concern_ref"] else None
    return content


def on_day(day: datetime.date) -> datetime.datetime:
    """The time written for a date-only event (a plan starting, a review): 09:00 of its day. The
    timelines sort such an event at the end of its day, whatever this time says
    (`chronology.models.DATE_ONLY_KINDS`, docs/adr/0046)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
