"""Chronology entries are never changed or removed; a CP file's opening is never rewritten."""

from safeguard.triggers import Guard

COLUMNS = {"cpfile_opening": ["school_id", "pupil_id", "opened_at", "opened_by_id", "open_reason"]}

GUARDS = [
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
