"""What in the chronology's tables is narrative: the words retention's destruction blanks (every
other text field is listed in KEPT, with why it stays). Checked at start-up (transfers.E001)."""

from __future__ import annotations

from django.db.models import Model

from .models import ChronologyEntry, CpFile, PupilStatus, RiskAssessment, RiskAssessmentReview

NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    ChronologyEntry: ("details", "people_involved"),
    CpFile: ("open_reason", "close_reason"),
    PupilStatus: ("lead_professional", "lead_professional_contact", "notes"),
    RiskAssessment: (
        "title",
        "risks",
        "measures",
        "other_pupils_considered",
        "other_contributors",
    ),
    RiskAssessmentReview: ("notes",),
}

# Why a text field that is not narrative may stay after destruction.
CHOICE = "a choice from a fixed list, not words"
HASH = "a hash: proves what the record said without saying it"
STAFF = "the member of staff who wrote it (printed name or role), not the child"

KEPT: dict[type[Model], dict[str, str]] = {
    ChronologyEntry: {
        "kind": CHOICE,
        "source_label": "the model label of the record it came from (signed)",
        "source_id": "the id of the record it came from (signed)",
        "source_hash": HASH,
        "author_name": STAFF,
        "author_role": STAFF,
        "previous_hash": "the chain's link to the entry before",
        "entry_hash": HASH,
    },
    PupilStatus: {"kind": CHOICE},
    RiskAssessmentReview: {"outcome": CHOICE},
}
