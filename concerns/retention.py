"""What in the concerns' tables (missing children included) is narrative: the words retention's
destruction blanks (every other text field is listed in KEPT, with why it stays). Checked at
start-up (transfers.E001)."""

from __future__ import annotations

from django.db.models import Model

from .models import (
    PART_2_TEXT_FIELDS,
    Action,
    Addendum,
    AdviceSought,
    Attachment,
    BodyMapMark,
    Concern,
    ConcernPupil,
    ContinuousAbsence,
    DslRecord,
    InvolvementCategory,
    MissingEpisode,
    MissingEpisodeStep,
    ReassessmentReview,
)

NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    Concern: (
        "location",
        "reason_for_recording",
        "account",
        "professional_opinion",
        "actions_taken",
        "other_information",
        # The way back to what the system captured about the child (its screenshots, messages
        # and searches), and a URL may carry words of its own (a search in its query string).
        "source_link",
    ),
    ConcernPupil: (
        "involvement_other",
        "pupil_legal_name",
        "pupil_known_as",
        "pupil_upn",
        "pupil_registration_group",
    ),
    InvolvementCategory: ("label",),
    BodyMapMark: ("description",),
    Attachment: ("file", "original_name"),
    Addendum: ("text",),
    DslRecord: tuple(PART_2_TEXT_FIELDS),
    AdviceSought: ("advice",),
    Action: ("description", "done_note"),
    MissingEpisode: ("last_seen_details", "circumstances"),
    MissingEpisodeStep: ("notes", "person", "place"),
    ContinuousAbsence: ("contact_attempts", "reason_known", "end_reason", "la_told_whom"),
    ReassessmentReview: ("reasons",),
}

# Why a text field that is not narrative may stay after destruction.
CHOICE = "a choice from a fixed list, not words"
HASH = "a hash: proves what the record said without saying it"
STAFF = "the member of staff who wrote or signed it (printed name, job title or role)"

KEPT: dict[type[Model], dict[str, str]] = {
    Concern: {
        "reference": "the school's reference for the concern (e.g. ABC-2026-0001)",
        "status": CHOICE,
        "reporter_name": STAFF,
        "reporter_job_title": STAFF,
        "content_hash": HASH,
        "draft_editor": "which editor wrote the draft (a setting), not words",
        "source_name": (
            "the system that raised it (a product's name, as its client was registered): who "
            "logged the concern, as the reporter's name is"
        ),
        "source_alert_id": (
            "the alert's id in the system that raised it (that system's reference, as a police "
            "incident number is; letters, digits and . _ : - only, so it holds no words), and it "
            "keeps a destroyed concern from being raised again by the same alert sent later"
        ),
    },
    ConcernPupil: {
        "involvement": CHOICE,
        "pupil_year_group": "the year group at the time (a school's label), not the child's name",
    },
    BodyMapMark: {"side": CHOICE},
    Attachment: {
        "content_type": "the file's type (e.g. image/jpeg)",
        "sha256": HASH,
    },
    Addendum: {
        "author_name": STAFF,
        "author_job_title": STAFF,
        "content_hash": HASH,
    },
    DslRecord: {
        "actions": "the actions taken, as choices from a fixed list (DslAction), not words",
        "level_of_need": CHOICE,
        "cp_file_decision": CHOICE,
        "status": CHOICE,
        "signer_name": STAFF,
        "signer_role": STAFF,
        "content_hash": HASH,
    },
    AdviceSought: {
        "name": "the professional whose advice was sought, not the child",
        "role": "the professional's role",
        "organisation": "the professional's organisation",
    },
    MissingEpisode: {
        "reporter_name": STAFF,
        "reporter_job_title": STAFF,
        "content_hash": HASH,
    },
    MissingEpisodeStep: {
        "step": CHOICE,
        "police_line": CHOICE,
        "incident_number": "the police incident number (an agency's reference)",
        "recorder_name": STAFF,
    },
    ContinuousAbsence: {
        "recorder_name": STAFF,
        "la_reference": "the local authority's reference",
        "content_hash": HASH,
    },
    ReassessmentReview: {
        "outcome": CHOICE,
        "signer_name": STAFF,
        "signer_role": STAFF,
        "content_hash": HASH,
    },
}
