"""The chronology app's models: the chain ledger (`ledger`) and the CP file above it (`cp_file`).

Both modules belong to the one app label "chronology": tables, migrations and the labels inside
signed content ("chronology.CpFile") are unchanged.
"""

from .cp_file import (
    CpFile,
    PupilStatus,
    RiskAssessment,
    RiskAssessmentPupil,
    RiskAssessmentReview,
    RiskReviewOutcome,
    StatusKind,
)
from .ledger import (
    DATE_ONLY_KINDS,
    GENESIS_HASH,
    MANUAL_KINDS,
    ChainHead,
    ChronologyEntry,
    EntryKind,
)

__all__ = [
    "GENESIS_HASH",
    "DATE_ONLY_KINDS",
    "MANUAL_KINDS",
    "ChainHead",
    "ChronologyEntry",
    "CpFile",
    "EntryKind",
    "PupilStatus",
    "RiskAssessment",
    "RiskAssessmentPupil",
    "RiskAssessmentReview",
    "RiskReviewOutcome",
    "StatusKind",
]
