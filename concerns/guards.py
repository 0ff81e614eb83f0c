"""The signed-record guards of concerns (installed by safeguard.triggers after every migrate)."""

from safeguard.triggers import Guard

SIGNED = "c.content_hash <> ''"
PARENT_SIGNED = (
    "EXISTS (SELECT 1 FROM concerns_concern c WHERE c.id = {row}.concern_id AND " + SIGNED + ")"
)
INVOLVEMENT_SIGNED = (
    "EXISTS (SELECT 1 FROM concerns_concernpupil i JOIN concerns_concern c ON c.id = i.concern_id "
    "WHERE i.id = {row}.involvement_id AND " + SIGNED + ")"
)
DSL_SIGNED = (
    "EXISTS (SELECT 1 FROM concerns_dslrecord d WHERE d.id = {row}.dsl_record_id "
    "AND d.status = 'signed')"
)

COLUMNS = {
    "concern": [
        "school_id",
        "reference",
        "author_id",
        "incident_at",
        "location",
        "reason_for_recording",
        "account",
        "professional_opinion",
        "actions_taken",
        "other_information",
        "immediate_danger",
        "reporter_name",
        "reporter_job_title",
        "written_at",
        "content_hash",
        "created_at",
        # Which system raised it and which of its alerts (not signed: the words are).
        "source_name",
        "source_alert_id",
        "source_link",
    ],
    # What the "Reported missing" chronology entry signed: fixed from the moment it is written.
    "missing_start": [
        "school_id",
        "pupil_id",
        "reported_by_id",
        "reporter_name",
        "reporter_job_title",
        "missing_since",
        "last_seen_at",
        "last_seen_details",
        "circumstances",
        "significant_harm_believed",
        "created_at",
    ],
    # A continuous absence: its start is fixed; the local authority being told and its end are
    # each written once.
    "absence_start": [
        "school_id",
        "pupil_id",
        "first_day",
        "contact_attempts",
        "reason_known",
        "recorded_by_id",
        "recorder_name",
        "created_at",
    ],
    "absence_la_told": ["la_told_at", "la_told_whom", "la_reference", "la_told_by_id"],
    "absence_ended": ["ended_on", "end_reason", "ended_by_id"],
}

# The absence's hash changes only with the step it signs: the local authority told, or the end.
ABSENCE_HASH_CHANGED_ALONE = (
    "(OLD.content_hash <> NEW.content_hash AND NOT ("
    "(OLD.la_told_at IS NULL AND NEW.la_told_at IS NOT NULL) "
    "OR (OLD.ended_on IS NULL AND NEW.ended_on IS NOT NULL)))"
)


def _child_guards(short: str, table: str, signed: str) -> list[Guard]:
    return [
        Guard(f"{short}_insert", table, "INSERT", "(" + signed.format(row="NEW") + ")"),
        Guard(f"{short}_update", table, "UPDATE", "(" + signed.format(row="OLD") + ")"),
        Guard(f"{short}_delete", table, "DELETE", "(" + signed.format(row="OLD") + ")"),
    ]


GUARDS = [
    # A signed concern's content never changes, and it never goes back to being a draft.
    Guard(
        "concern_update",
        "concerns_concern",
        "UPDATE",
        "(OLD.content_hash <> '' AND ({changed:concern} OR NEW.status = 'draft'))",
    ),
    Guard("concern_delete", "concerns_concern", "DELETE", "(OLD.content_hash <> '')"),
    Guard("addendum_update", "concerns_addendum", "UPDATE", "(1 = 1)"),
    # A completed action's chronology entry signs its words: once done, it never changes.
    Guard("action_update", "concerns_action", "UPDATE", "(OLD.done_at IS NOT NULL)"),
    Guard("addendum_delete", "concerns_addendum", "DELETE", "(1 = 1)"),
    Guard("dslrecord_update", "concerns_dslrecord", "UPDATE", "(OLD.status = 'signed')"),
    Guard("dslrecord_delete", "concerns_dslrecord", "DELETE", "(OLD.status = 'signed')"),
    *_child_guards("concernpupil", "concerns_concernpupil", PARENT_SIGNED),
    *_child_guards("bodymapmark", "concerns_bodymapmark", PARENT_SIGNED),
    *_child_guards("attachment", "concerns_attachment", PARENT_SIGNED),
    *_child_guards("involvementcategory", "concerns_involvementcategory", INVOLVEMENT_SIGNED),
    *_child_guards("advicesought", "concerns_advicesought", DSL_SIGNED),
    # Missing episodes: each recorded step is fixed; what was reported never changes; a closed
    # (signed) episode never changes at all.
    Guard("missingstep_update", "concerns_missingepisodestep", "UPDATE", "(1 = 1)"),
    Guard("missingstep_delete", "concerns_missingepisodestep", "DELETE", "(1 = 1)"),
    Guard(
        "missingepisode_update",
        "concerns_missingepisode",
        "UPDATE",
        "(OLD.content_hash <> '' OR {changed:missing_start})",
    ),
    Guard("missingepisode_delete", "concerns_missingepisode", "DELETE", "(1 = 1)"),
    # Continuous absences: never deleted; the start never changes; each later fact written once.
    Guard(
        "absence_update",
        "concerns_continuousabsence",
        "UPDATE",
        "({changed:absence_start} "
        "OR (OLD.la_told_at IS NOT NULL AND {changed:absence_la_told}) "
        "OR (OLD.ended_on IS NOT NULL AND {changed:absence_ended}) "
        "OR " + ABSENCE_HASH_CHANGED_ALONE + ")",
    ),
    Guard("absence_delete", "concerns_continuousabsence", "DELETE", "(1 = 1)"),
    # A re-assessment review is signed as it is written: never changed, never deleted.
    Guard("reassessreview_update", "concerns_reassessmentreview", "UPDATE", "(1 = 1)"),
    Guard("reassessreview_delete", "concerns_reassessmentreview", "DELETE", "(1 = 1)"),
    # A prompt, once reviewed, stays as it was; its history of threshold changes is append-only.
    Guard(
        "reassessprompt_update",
        "concerns_reassessmentprompt",
        "UPDATE",
        "(OLD.review_id IS NOT NULL)",
    ),
    Guard("reassessprompt_delete", "concerns_reassessmentprompt", "DELETE", "(1 = 1)"),
    Guard("reassesschange_update", "concerns_reassessmentthresholdschange", "UPDATE", "(1 = 1)"),
    Guard("reassesschange_delete", "concerns_reassessmentthresholdschange", "DELETE", "(1 = 1)"),
]
