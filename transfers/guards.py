"""Retention's guards (docs/adr/0016): a file in retention is destroyed only through its
`Retention` row, and only that row, inside the destroying transaction, lets signed content go.

The retention row moves kept -> destroying -> destroyed in one transaction, never back, and never
to destroying while a legal hold is set; it is never deleted. While (and only while) a pupil's row
says "destroying", the UPDATE guards of that pupil's records stand aside, so the service can blank
their content; every other transaction sees "kept" or "destroyed", never "destroying". A record
shared with other children (a concern, a risk assessment) is blanked only when every child on it
is destroyed or being destroyed at that school.
"""

from safeguard.triggers import Guard, register_exemption


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


EXEMPTIONS = {
    "chronology_chronologyentry": destroying("OLD.pupil_id"),
    "chronology_cpfile": destroying("OLD.pupil_id"),
    "chronology_pupilstatus": destroying("OLD.pupil_id"),
    "chronology_riskassessment": assessment_gone("OLD.id"),
    "chronology_riskassessmentreview": assessment_gone("OLD.assessment_id"),
    "concerns_concern": concern_gone("OLD.id"),
    "concerns_addendum": concern_gone("OLD.concern_id"),
    "concerns_attachment": concern_gone("OLD.concern_id"),
    "concerns_dslrecord": concern_gone("OLD.concern_id"),
    "concerns_advicesought": concern_gone(
        "(SELECT d.concern_id FROM concerns_dslrecord d WHERE d.id = OLD.dsl_record_id)"
    ),
    "concerns_concernpupil": destroying("OLD.pupil_id"),
    "concerns_bodymapmark": destroying("OLD.pupil_id"),
    "concerns_involvementcategory": destroying(
        "(SELECT i.pupil_id FROM concerns_concernpupil i WHERE i.id = OLD.involvement_id)"
    ),
    "concerns_missingepisode": destroying("OLD.pupil_id"),
    "concerns_missingepisodestep": destroying(
        "(SELECT e.pupil_id FROM concerns_missingepisode e WHERE e.id = OLD.episode_id)"
    ),
    "concerns_continuousabsence": destroying("OLD.pupil_id"),
    "referrals_referral": destroying("OLD.pupil_id"),
    "referrals_referralupdate": destroying(
        "(SELECT x.pupil_id FROM referrals_referral x WHERE x.id = OLD.referral_id)"
    ),
}

GUARDS = [
    # A retention row starts kept; it is never removed; destroyed is final; a legal hold stops
    # destruction; the pupil and school it is about never change.
    Guard("retention_insert", "transfers_retention", "INSERT", "(NEW.state <> 'kept')"),
    Guard(
        "retention_update",
        "transfers_retention",
        "UPDATE",
        "(OLD.state = 'destroyed' OR NEW.school_id <> OLD.school_id "
        "OR NEW.pupil_id <> OLD.pupil_id "
        "OR (NEW.state = 'destroying' AND (OLD.state <> 'kept' OR NEW.legal_hold)) "
        "OR (NEW.state = 'destroyed' AND OLD.state <> 'destroying') "
        "OR (NEW.state = 'kept' AND OLD.state <> 'kept'))",
    ),
    Guard("retention_delete", "transfers_retention", "DELETE", "(1 = 1)"),
    Guard("retentionevent_update", "transfers_retentionevent", "UPDATE", "(1 = 1)"),
    Guard("retentionevent_delete", "transfers_retentionevent", "DELETE", "(1 = 1)"),
]


def register_all() -> None:
    from safeguard.triggers import register

    register(GUARDS)
    for table, condition in EXEMPTIONS.items():
        register_exemption(table, condition)
