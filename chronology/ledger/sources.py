"""The signed records the chain cites, re-hashed from their rows when the chain is verified.

A chronology entry written for a signed record holds that record's hash (`source_hash`) inside its
own hash, so the chain proves what the record said when it was signed. The guards stop anyone
changing the record afterwards; this is how a change made behind their back is found: each app
that signs records registers, in its `ready()`, one check per record kind (the model label frozen
in the entries) that recomputes the hashes of many records at once from their current rows, with
the same content function that signed them. The ledger never imports the apps above it.

A check takes the records an entry cites and answers, for each, the hashes its row gives now (more
than one when the record is signed in stages, a continuous absence: each stage's entry signs what
was known then), or `None` when retention destroyed part of it and it cannot be recomputed; a
record with no answer has no row (it was deleted).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

# The model labels the chain cites with a hash, and the app that must register each one's check
# (a label is frozen inside the entries' hashes, so this list only grows).
SIGNED_SOURCES: dict[str, str] = {
    "concerns.Concern": "concerns",
    "concerns.Addendum": "concerns",
    "concerns.DslRecord": "concerns",
    "concerns.Action": "concerns",
    "concerns.MissingEpisode": "concerns",
    "concerns.MissingEpisodeStep": "concerns",
    "concerns.ContinuousAbsence": "concerns",
    "concerns.ReassessmentReview": "concerns",
    "referrals.Referral": "referrals",
    "referrals.ReferralUpdate": "referrals",
    "transfers.Transfer": "transfers",
    "transfers.IncomingTransfer": "transfers",
    "transfers.ReceivedEntry": "transfers",
}


@dataclass(frozen=True)
class Cited:
    """A record as one entry cites it: its id, and the kind of entry (which stage it signs)."""

    source_id: str
    kind: str


@dataclass(frozen=True)
class Context:
    """What a check may need to know about the school beyond the records it is asked about."""

    school_id: int
    # Pupils whose file at this school retention destroyed: their part of a record shared with
    # other children (their name and categories on a concern) is blank and cannot be recomputed.
    destroyed_pupils: frozenset[str]


# For each record cited: the hashes its row gives now, or None when it cannot be recomputed.
Answer = Mapping[Cited, Collection[str] | None]
SourceCheck = Callable[[Sequence[Cited], Context], Answer]

_checks: dict[str, SourceCheck] = {}


def cited_id(cited: Cited) -> uuid.UUID | None:
    """The cited record's key (records are keyed by UUID; an id that is not one has no row)."""
    try:
        return uuid.UUID(cited.source_id)
    except ValueError:
        return None


def cited_ids(cited: Sequence[Cited]) -> list[uuid.UUID]:
    """The keys of the records cited, for one query."""
    return sorted({u for c in cited if (u := cited_id(c)) is not None})


def answer(cited: Sequence[Cited], hashes: Mapping[Any, Collection[str] | None]) -> Answer:
    """A check's answer from each row's hashes by id, for every record cited that has a row."""
    return {c: hashes[u] for c in cited if (u := cited_id(c)) is not None and u in hashes}


def register_source_check(label: str, check: SourceCheck) -> None:
    """Called from the `ready()` of the app that signs records of this kind."""
    if label not in SIGNED_SOURCES:
        raise ImproperlyConfigured(f"{label} is not a signed source the chain cites.")
    _checks[label] = check


def source_check(label: str) -> SourceCheck | None:
    """The check registered for records of this kind, if any."""
    return _checks.get(label)


def missing_checks() -> list[str]:
    """Signed sources of installed apps with no check registered (for the system check)."""
    return [
        label
        for label, app in SIGNED_SOURCES.items()
        if apps.is_installed(app) and label not in _checks
    ]
