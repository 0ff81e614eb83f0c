"""Oversight's models, one module per sub-domain (`qa`, `categories`, `tally`), re-exported here:
Django and every importer see them at `oversight.models` as before (app label `oversight`)."""

from __future__ import annotations

from oversight.models.categories import (
    CategoryChange,
    CategoryChangeKind,
    CategoryRequest,
    CategoryRequestStatus,
)
from oversight.models.qa import (
    CRITERIA,
    CriterionResult,
    QaResponse,
    QaReview,
    QaReviewStatus,
    QaSample,
    Rating,
)
from oversight.models.tally import ConcernTally, ConcernTallyMark, TallyDimension

__all__ = [
    "CRITERIA",
    "CategoryChange",
    "CategoryChangeKind",
    "CategoryRequest",
    "CategoryRequestStatus",
    "ConcernTally",
    "ConcernTallyMark",
    "CriterionResult",
    "QaResponse",
    "QaReview",
    "QaReviewStatus",
    "QaSample",
    "Rating",
    "TallyDimension",
]
