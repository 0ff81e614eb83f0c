"""What an allegation or a low-level concern first said is never rewritten; steps are never
changed or removed (installed by safeguard.triggers after every migrate)."""

from safeguard.triggers import Guard

COLUMNS = {
    "allegation_original": [
        "school_id",
        "subject_name",
        "subject_role",
        "subject_type",
        "subject_user_id",
        "reported_by_name",
        "reported_by_role",
        "reported_at",
        "account",
        "pupils_involved",
        "source",
        "created_by_id",
        "created_at",
        "lado_due_at",
    ],
    "allegation_lado": ["lado_contacted_at", "lado_officer", "lado_reference", "lado_advice"],
    "lowlevel_original": [
        "school_id",
        "subject_name",
        "subject_role",
        "subject_type",
        "subject_key",
        "subject_user_id",
        "observed",
        "observed_at",
        "reported_by_name",
        "reported_by_role",
        "reported_at",
        "source",
        "created_by_id",
        "created_at",
    ],
    "lowlevel_response": ["response", "responded_at", "responded_by_id"],
    "lowlevel_escalation": ["escalated_to_id"],
}

GUARDS = [
    # The report as first recorded stays as it is; a closed allegation is closed for good.
    Guard(
        "allegation_update",
        "allegations_allegation",
        "UPDATE",
        "({changed:allegation_original} OR OLD.closed_at IS NOT NULL)",
    ),
    # The first LADO contact is written once: whether the LADO was told within one working day
    # stays readable; a further contact is a step.
    Guard(
        "allegation_lado_once",
        "allegations_allegation",
        "UPDATE",
        "(OLD.lado_contacted_at IS NOT NULL AND {changed:allegation_lado})",
    ),
    Guard("allegation_delete", "allegations_allegation", "DELETE", "(1 = 1)"),
    Guard("allegationstep_update", "allegations_allegationstep", "UPDATE", "(1 = 1)"),
    Guard("allegationstep_delete", "allegations_allegationstep", "DELETE", "(1 = 1)"),
    Guard("allegationpupil_update", "allegations_allegationpupil", "UPDATE", "(1 = 1)"),
    Guard("allegationpupil_delete", "allegations_allegationpupil", "DELETE", "(1 = 1)"),
    # A low-level concern's report never changes; its response and escalation are written once.
    Guard(
        "lowlevelconcern_update",
        "allegations_lowlevelconcern",
        "UPDATE",
        "({changed:lowlevel_original}"
        " OR (OLD.responded_at IS NOT NULL AND {changed:lowlevel_response})"
        " OR (OLD.escalated_to_id IS NOT NULL AND {changed:lowlevel_escalation}))",
    ),
    Guard("lowlevelconcern_delete", "allegations_lowlevelconcern", "DELETE", "(1 = 1)"),
]
