"""Refuse UPDATE and DELETE of signed concerns, their parts, addenda and signed DSL records."""

from django.db import migrations

from safeguard.triggers import Guard, install

SIGNED = "c.content_hash <> ''"
PARENT_SIGNED_NEW = f"EXISTS (SELECT 1 FROM concerns_concern c WHERE c.id = NEW.concern_id AND {SIGNED})"
PARENT_SIGNED_OLD = f"EXISTS (SELECT 1 FROM concerns_concern c WHERE c.id = OLD.concern_id AND {SIGNED})"
INVOLVEMENT_SIGNED = (
    "EXISTS (SELECT 1 FROM concerns_concernpupil i JOIN concerns_concern c ON c.id = i.concern_id "
    "WHERE i.id = {row}.involvement_id AND " + SIGNED + ")"
)
DSL_SIGNED = "EXISTS (SELECT 1 FROM concerns_dslrecord d WHERE d.id = {row}.dsl_record_id AND d.status = 'signed')"

COLUMNS = {
    "concern": [
        "school_id", "reference", "author_id", "incident_at", "location", "reason_for_recording",
        "account", "professional_opinion", "actions_taken", "other_information",
        "immediate_danger", "reporter_name", "reporter_job_title", "written_at", "content_hash",
        "created_at",
    ],
}

GUARDS = [
    Guard("concern_update", "concerns_concern", "UPDATE", "(OLD.content_hash <> '' AND {changed:concern})"),
    Guard("concern_delete", "concerns_concern", "DELETE", "(OLD.content_hash <> '')"),
    Guard("addendum_update", "concerns_addendum", "UPDATE", "(1 = 1)"),
    Guard("addendum_delete", "concerns_addendum", "DELETE", "(1 = 1)"),
    Guard("dslrecord_update", "concerns_dslrecord", "UPDATE", "(OLD.status = 'signed')"),
    Guard("dslrecord_delete", "concerns_dslrecord", "DELETE", "(OLD.status = 'signed')"),
]
for table in ["concerns_concernpupil", "concerns_bodymapmark", "concerns_attachment"]:
    short = table.removeprefix("concerns_")
    GUARDS += [
        Guard(f"{short}_insert", table, "INSERT", f"({PARENT_SIGNED_NEW})"),
        Guard(f"{short}_update", table, "UPDATE", f"({PARENT_SIGNED_OLD})"),
        Guard(f"{short}_delete", table, "DELETE", f"({PARENT_SIGNED_OLD})"),
    ]
GUARDS += [
    Guard("involvementcategory_insert", "concerns_involvementcategory", "INSERT", "(" + INVOLVEMENT_SIGNED.format(row="NEW") + ")"),
    Guard("involvementcategory_update", "concerns_involvementcategory", "UPDATE", "(" + INVOLVEMENT_SIGNED.format(row="OLD") + ")"),
    Guard("involvementcategory_delete", "concerns_involvementcategory", "DELETE", "(" + INVOLVEMENT_SIGNED.format(row="OLD") + ")"),
    Guard("advicesought_insert", "concerns_advicesought", "INSERT", "(" + DSL_SIGNED.format(row="NEW") + ")"),
    Guard("advicesought_update", "concerns_advicesought", "UPDATE", "(" + DSL_SIGNED.format(row="OLD") + ")"),
    Guard("advicesought_delete", "concerns_advicesought", "DELETE", "(" + DSL_SIGNED.format(row="OLD") + ")"),
]

forward, backward = install(GUARDS, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("concerns", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
