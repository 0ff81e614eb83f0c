"""Chronology entries are never changed or removed; a CP file's opening is never rewritten."""

from safeguard.triggers import Guard

COLUMNS = {
    "cpfile_opening": ["school_id", "pupil_id", "opened_at", "opened_by_id", "open_reason"],
    "pupilstatus": ["school_id", "pupil_id", "kind", "start_date", "created_by_id", "created_at"],
    "riskassessment": [
        "school_id",
        "concern_id",
        "title",
        "risks",
        "measures",
        "other_pupils_considered",
        "pupil_contributed",
        "parents_contributed",
        "other_contributors",
        "created_by_id",
        "created_at",
    ],
}

GUARDS = [
    # The chain's end only moves forward one entry at a time, and never goes away.
    Guard(
        "chainhead_update",
        "chronology_chainhead",
        "UPDATE",
        "(NEW.last_sequence <> OLD.last_sequence + 1 OR NEW.school_id <> OLD.school_id)",
    ),
    Guard("chainhead_delete", "chronology_chainhead", "DELETE", "(1 = 1)"),
    # What a status, a risk assessment or its pupils say is never rewritten or removed; a status
    # may only gain its end date, an assessment its next review date and its closing.
    Guard("pupilstatus_update", "chronology_pupilstatus", "UPDATE", "({changed:pupilstatus})"),
    Guard("pupilstatus_delete", "chronology_pupilstatus", "DELETE", "(1 = 1)"),
    Guard(
        "riskassessment_update", "chronology_riskassessment", "UPDATE", "({changed:riskassessment})"
    ),
    Guard("riskassessment_delete", "chronology_riskassessment", "DELETE", "(1 = 1)"),
    Guard("riskassessmentpupil_update", "chronology_riskassessmentpupil", "UPDATE", "(1 = 1)"),
    Guard("riskassessmentpupil_delete", "chronology_riskassessmentpupil", "DELETE", "(1 = 1)"),
    Guard("chronologyentry_update", "chronology_chronologyentry", "UPDATE", "(1 = 1)"),
    Guard("chronologyentry_delete", "chronology_chronologyentry", "DELETE", "(1 = 1)"),
    Guard(
        "cpfile_update",
        "chronology_cpfile",
        "UPDATE",
        "({changed:cpfile_opening} OR OLD.closed_at IS NOT NULL)",
    ),
    Guard("cpfile_delete", "chronology_cpfile", "DELETE", "(1 = 1)"),
    # A recorded risk-assessment review is part of the record.
    Guard("riskreview_update", "chronology_riskassessmentreview", "UPDATE", "(1 = 1)"),
    Guard("riskreview_delete", "chronology_riskassessmentreview", "DELETE", "(1 = 1)"),
]
