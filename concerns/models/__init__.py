"""The concerns app's models, one module per sub-domain: `concern` (Part 1, Part 2, actions) and
`missing` (missing children and children missing education). Everything is re-exported here, so
Django and `from concerns.models import ...` see one app, label "concerns", as before.
"""

from .concern import (
    PART_1_TEXT_FIELDS,
    Action,
    Addendum,
    AdviceSought,
    Attachment,
    BodyMapMark,
    BodySide,
    Category,
    Concern,
    ConcernPupil,
    ConcernSequence,
    ConcernStatus,
    CpFileDecision,
    DslAction,
    DslRecord,
    DslRecordStatus,
    Involvement,
    InvolvementCategory,
    LevelOfNeed,
    attachment_path,
)
from .missing import (
    MISSING_STEP_ORDER,
    ContinuousAbsence,
    MissingEpisode,
    MissingEpisodeStep,
    MissingStep,
    PoliceLine,
)

__all__ = [
    "MISSING_STEP_ORDER",
    "PART_1_TEXT_FIELDS",
    "Action",
    "Addendum",
    "AdviceSought",
    "Attachment",
    "BodyMapMark",
    "BodySide",
    "Category",
    "Concern",
    "ConcernPupil",
    "ConcernSequence",
    "ConcernStatus",
    "ContinuousAbsence",
    "CpFileDecision",
    "DslAction",
    "DslRecord",
    "DslRecordStatus",
    "Involvement",
    "InvolvementCategory",
    "LevelOfNeed",
    "MissingEpisode",
    "MissingEpisodeStep",
    "MissingStep",
    "PoliceLine",
    "attachment_path",
]
