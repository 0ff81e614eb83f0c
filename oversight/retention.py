"""What in oversight's tables destruction blanks (docs/adr/0016): a QA review's feedback and the
responses to it are words about a concern, so they go with the concern's words (when the last
child on it is destroyed); the review's hash stays, as the concern's does. Oversight sits beside
retention, not below it: retention finds this module by app (`transfers/retention/narrative.py`)
and never imports oversight. Checked at start-up (transfers.E001, transfers.E003)."""

from __future__ import annotations

from django.db.models import Model

from .models import QaResponse, QaReview

NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    QaReview: ("feedback",),
    QaResponse: ("text",),
}

# Why a text field that is not narrative may stay after destruction.
CHOICE = "a choice from a fixed list, not words"
HASH = "a hash: proves what the record said without saying it (signed; never recomputed after)"
STAFF = "the member of staff who wrote or signed it (printed name or job title), not the child"

KEPT: dict[type[Model], dict[str, str]] = {
    QaReview: {
        "term": "the term the concern was written in (e.g. 2026-autumn), not words",
        "status": CHOICE,
        "clarity": CHOICE,
        "child_voice": CHOICE,
        "decision": CHOICE,
        "timeliness": CHOICE,
        "outcome": CHOICE,
        "rating": CHOICE,
        "reviewer_name": STAFF,
        "reviewer_job_title": STAFF,
        "content_hash": HASH,
    },
    QaResponse: {
        "author_name": STAFF,
        "author_job_title": STAFF,
        "content_hash": HASH,
    },
}

# Model -> the lookup from a row to its concern: destruction blanks these rows with the concern,
# once every child on it is destroyed at the school.
CONCERN_RECORDS: dict[type[Model], str] = {
    QaReview: "concern_id",
    QaResponse: "review__concern_id",
}
