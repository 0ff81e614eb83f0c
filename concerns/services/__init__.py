"""Every write to concerns, DSL records and actions. Signed records are never changed.

One module for each thing done, all re-exported here (`from concerns.services import x`):

- `categories`: the trust's category list (seeding the defaults, those offered).
- `drafts`: the reporter's draft: starting, autosaving, its pupils and how involved, discarding.
- `body_map`, `attachments`: what a draft records beside its words.
- `submission`: what stops a draft, then signing it and telling the DSLs.
- `alerts`: a concern raised by a system's alert (through the API), once per alert.
- `addenda`: a later fact on a submitted concern, signed.
- `triage`: the DSL's record (Part 2), from opening the concern to signing it, then closing it.
- `actions`: follow-up actions, given and done.
- `restriction`: who may see a restricted concern.
- `errors`: the refusals a page answers in its own way.

`_shared` holds the checks and the chronology hand-off the modules share; nothing outside this
package imports it.
"""

from .actions import action_assign, action_complete
from .addenda import addendum_add
from .alerts import Alert, AlertOutcome, AlertPupil, concern_raise_from_alert
from .attachments import MAX_ATTACHMENTS, attachment_add, attachment_remove
from .body_map import body_mark_add, body_mark_remove
from .categories import categories_for, category_seed_defaults
from .drafts import (
    DRAFT_TEXT_FIELDS,
    MAX_PUPILS,
    concern_discard,
    concern_draft_update,
    concern_pupil_add,
    concern_pupil_remove,
    concern_start,
    involvement_update,
)
from .errors import ConflictError, DraftConflictError, SignedRecordError
from .reassess import (
    reassessment_check,
    reassessment_review_record,
    register_referral_outcomes,
    review_problems,
    thresholds_for,
    thresholds_problems,
    thresholds_save,
)
from .restriction import RESTRICTED_PERM, concern_restrict, concern_unrestrict
from .submission import concern_problems, concern_submit
from .triage import (
    advice_add,
    concern_close,
    concern_open,
    dsl_record_problems,
    dsl_record_save,
    dsl_record_sign,
)

__all__ = [
    "DRAFT_TEXT_FIELDS",
    "MAX_ATTACHMENTS",
    "MAX_PUPILS",
    "Alert",
    "AlertOutcome",
    "AlertPupil",
    "RESTRICTED_PERM",
    "ConflictError",
    "DraftConflictError",
    "SignedRecordError",
    "action_assign",
    "reassessment_check",
    "reassessment_review_record",
    "register_referral_outcomes",
    "review_problems",
    "thresholds_for",
    "thresholds_problems",
    "thresholds_save",
    "action_complete",
    "addendum_add",
    "advice_add",
    "attachment_add",
    "attachment_remove",
    "body_mark_add",
    "body_mark_remove",
    "categories_for",
    "category_seed_defaults",
    "concern_close",
    "concern_discard",
    "concern_draft_update",
    "concern_open",
    "concern_problems",
    "concern_pupil_add",
    "concern_pupil_remove",
    "concern_raise_from_alert",
    "concern_restrict",
    "concern_start",
    "concern_submit",
    "concern_unrestrict",
    "dsl_record_problems",
    "dsl_record_save",
    "dsl_record_sign",
    "involvement_update",
]
