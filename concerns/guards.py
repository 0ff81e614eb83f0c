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
    ],
}


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
    Guard("addendum_delete", "concerns_addendum", "DELETE", "(1 = 1)"),
    Guard("dslrecord_update", "concerns_dslrecord", "UPDATE", "(OLD.status = 'signed')"),
    Guard("dslrecord_delete", "concerns_dslrecord", "DELETE", "(OLD.status = 'signed')"),
    *_child_guards("concernpupil", "concerns_concernpupil", PARENT_SIGNED),
    *_child_guards("bodymapmark", "concerns_bodymapmark", PARENT_SIGNED),
    *_child_guards("attachment", "concerns_attachment", PARENT_SIGNED),
    *_child_guards("involvementcategory", "concerns_involvementcategory", INVOLVEMENT_SIGNED),
    *_child_guards("advicesought", "concerns_advicesought", DSL_SIGNED),
    # Missing episodes: each recorded step is fixed; a closed (signed) episode never changes.
    Guard("missingstep_update", "concerns_missingepisodestep", "UPDATE", "(1 = 1)"),
    Guard("missingstep_delete", "concerns_missingepisodestep", "DELETE", "(1 = 1)"),
    Guard("missingepisode_update", "concerns_missingepisode", "UPDATE", "(OLD.content_hash <> '')"),
    Guard("missingepisode_delete", "concerns_missingepisode", "DELETE", "(1 = 1)"),
]
