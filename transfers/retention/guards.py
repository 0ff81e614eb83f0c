"""Retention's guards (docs/adr/0016): a file in retention is destroyed only through its
`Retention` row, and only that row, inside the destroying transaction, lets signed content go.

The retention row moves kept -> destroying -> destroyed in one transaction, never back, and never
to destroying while a legal hold is (or was, in the same statement) set; its date, basis and
transfer never change; it is never deleted; and on PostgreSQL a deferred trigger refuses to commit
a row still "destroying". While (and only while) a pupil's row says "destroying", the UPDATE guards
of that pupil's records stand aside for one kind of change: the narrative columns listed in
`BLANKED` (each app's declared narrative, `narrative.py`) set to '' (or left as they are); every
other column, hashes included, stays as it is. A record shared with other children (a concern, a
risk assessment) is blanked only when every child on it is destroyed or being destroyed at that
school.
"""

from __future__ import annotations

from django.db.models import Model

from safeguard.triggers import Guard, register, register_exemption, register_postgresql

from .narrative import NARRATIVE, blank


# What destruction blanks, table by table: the words (each app's NARRATIVE fields, as columns).
# Ids, dates, choices and hashes stay.
def _columns(model: type[Model], fields: tuple[str, ...]) -> tuple[str, ...]:
    column = {f.name: str(f.column) for f in model._meta.concrete_fields}
    return tuple(column[name] for name in fields)


BLANKED: dict[str, tuple[str, ...]] = {
    model._meta.db_table: _columns(model, fields) for model, fields in NARRATIVE.items()
}
# A blanked column's empty value in SQL: '' for text, '[]' for a JSON list (narrative.blank).
EMPTY: dict[str, dict[str, str]] = {
    model._meta.db_table: {
        column: "'[]'" if blank(model, name) == [] else "''"
        for name, column in zip(fields, _columns(model, fields), strict=True)
    }
    for model, fields in NARRATIVE.items()
}

# Whose file each table's row belongs to (SQL on OLD).
PUPIL_OF = {
    "concerns_involvementcategory": (
        "(SELECT i.pupil_id FROM concerns_concernpupil i WHERE i.id = OLD.involvement_id)"
    ),
    "concerns_missingepisodestep": (
        "(SELECT e.pupil_id FROM concerns_missingepisode e WHERE e.id = OLD.episode_id)"
    ),
    "referrals_referralupdate": (
        "(SELECT x.pupil_id FROM referrals_referral x WHERE x.id = OLD.referral_id)"
    ),
}


def _retention(pupil: str, states: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM transfers_retention r WHERE r.school_id = OLD.school_id "
        f"AND r.pupil_id = {pupil} AND r.state IN ({states}))"
    )


def destroying(pupil: str) -> str:
    """SQL: the pupil's file at the row's school is being destroyed, in this transaction."""
    return _retention(pupil, "'destroying'")


def _all_gone(link_table: str, link_column: str, record: str) -> str:
    """SQL: every child on a shared record is destroyed or being destroyed, one of them now."""
    rows = f"SELECT 1 FROM {link_table} i WHERE i.{link_column} = {record}"
    gone = _retention("i.pupil_id", "'destroying', 'destroyed'")
    return (
        f"(EXISTS ({rows} AND {destroying('i.pupil_id')}) AND NOT EXISTS ({rows} AND NOT {gone}))"
    )


def concern_gone(concern: str) -> str:
    return _all_gone("concerns_concernpupil", "concern_id", concern)


def assessment_gone(assessment: str) -> str:
    return _all_gone("chronology_riskassessmentpupil", "assessment_id", assessment)


WHEN = {
    "chronology_riskassessment": assessment_gone("OLD.id"),
    "chronology_riskassessmentreview": assessment_gone("OLD.assessment_id"),
    "concerns_concern": concern_gone("OLD.id"),
    "concerns_addendum": concern_gone("OLD.concern_id"),
    "concerns_attachment": concern_gone("OLD.concern_id"),
    "concerns_dslrecord": concern_gone("OLD.concern_id"),
    "concerns_action": concern_gone("OLD.concern_id"),
    "concerns_advicesought": concern_gone(
        "(SELECT d.concern_id FROM concerns_dslrecord d WHERE d.id = OLD.dsl_record_id)"
    ),
    # A QA review of a concern and the responses to it (oversight/retention.py) go with it.
    "oversight_qareview": concern_gone("OLD.concern_id"),
    "oversight_qaresponse": concern_gone(
        "(SELECT q.concern_id FROM oversight_qareview q WHERE q.id = OLD.review_id)"
    ),
}


def exemption(table: str) -> str:
    """SQL: this UPDATE is the destruction of the row's words, and nothing else."""
    when = WHEN.get(table) or destroying(PUPIL_OF.get(table, "OLD.pupil_id"))
    empty = EMPTY[table]
    # Quoted: a column may be named by an SQL keyword (`values`), which SQLite refuses bare.
    blank_only = " AND ".join(
        f'(NEW."{c}" = OLD."{c}" OR NEW."{c}" = {empty[c]})' for c in BLANKED[table]
    )
    return f"({when} AND NOT {{changed:kept_{table}}} AND {blank_only})"


GUARDS = [
    # A retention row starts kept; it is never removed; destroyed and ended are final (ended only
    # from kept); a legal hold stops destruction; its pupil, school, date, basis and transfer never
    # change.
    Guard("retention_insert", "transfers_retention", "INSERT", "(NEW.state <> 'kept')"),
    Guard(
        "retention_update",
        "transfers_retention",
        "UPDATE",
        "(OLD.state IN ('destroyed', 'ended') OR {changed:retention_fixed} "
        "OR (NEW.state = 'ended' AND OLD.state <> 'kept') "
        "OR (NEW.state = 'destroying' AND (OLD.state <> 'kept' OR OLD.legal_hold "
        "OR NEW.legal_hold)) "
        "OR (NEW.state = 'destroyed' AND OLD.state <> 'destroying') "
        "OR (NEW.state = 'kept' AND OLD.state <> 'kept'))",
    ),
    Guard("retention_delete", "transfers_retention", "DELETE", "(1 = 1)"),
    Guard("retentionevent_update", "transfers_retentionevent", "UPDATE", "(1 = 1)"),
    # An entry received from another school is part of the record: never changed or removed
    # (its words are in its chronology entry, which retention blanks; ADR 0045).
    Guard("receivedentry_update", "transfers_receivedentry", "UPDATE", "(1 = 1)"),
    Guard("receivedentry_delete", "transfers_receivedentry", "DELETE", "(1 = 1)"),
    Guard("retentionevent_delete", "transfers_retentionevent", "DELETE", "(1 = 1)"),
]

# At commit, no retention row may still say "destroying" (PostgreSQL: a deferred trigger).
NOT_LEFT_DESTROYING = [
    """CREATE OR REPLACE FUNCTION sg_deferred_retention_not_destroying() RETURNS trigger AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM transfers_retention WHERE id = NEW.id AND state = 'destroying')
        THEN
            RAISE EXCEPTION 'a retention row cannot be committed while being destroyed'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS sg_deferred_retention_not_destroying ON transfers_retention",
    """CREATE CONSTRAINT TRIGGER sg_deferred_retention_not_destroying
        AFTER INSERT OR UPDATE ON transfers_retention DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION sg_deferred_retention_not_destroying()""",
]


def register_all() -> None:
    """Called from the app's ready(): the models are loaded, so each table's other columns are
    known (every column but the blanked ones must stay as it is)."""
    from django.apps import apps

    tables = {m._meta.db_table: m for m in apps.get_models()}
    columns = {
        "retention_fixed": ["school_id", "pupil_id", "destroy_on", "basis", "transfer_id"],
    }
    for table, blanked in BLANKED.items():
        kept = [
            str(f.column)
            for f in tables[table]._meta.concrete_fields
            if f.column not in blanked and f.column != "updated_at"
        ]
        columns[f"kept_{table}"] = kept
        register_exemption(table, exemption(table))
    register(GUARDS, columns)
    register_postgresql("retention_not_left_destroying", "transfers_retention", NOT_LEFT_DESTROYING)
