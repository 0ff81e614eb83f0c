"""What in the contacts' tables destruction blanks (docs/adr/0016): a family contact's restrictions
and notes are about the child's safety (a court order, who must not collect); the contact's own
details are the school roll's, kept with the pupil row as the roll is. Checked at start-up
(transfers.E001, transfers.E003)."""

from __future__ import annotations

from django.db.models import Model

from .models import FamilyContact, FamilyContactChange

NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    FamilyContact: ("restrictions", "notes"),
    # The history's old and new restrictions and parental responsibility (a list, emptied).
    FamilyContactChange: ("values",),
}

# Why a text field that is not narrative may stay after destruction.
ROLL = (
    "the family contact's own details, from the school roll (the MIS and the CTF): kept with the "
    "pupil row, which destruction keeps, not words about the child"
)

KEPT: dict[type[Model], dict[str, str]] = {
    FamilyContact: {
        "name": ROLL,
        "relationship": "a choice from a fixed list, not words",
        "relationship_other": ROLL,
        "phone": ROLL,
        "phone_other": ROLL,
        "email": ROLL,
        "address": ROLL,
    },
    FamilyContactChange: {
        "contact_name": ROLL,
        "kind": "a choice from a fixed list (added, changed, removed), not words",
        "changed_by_name": "who made the change (a member of staff), not the child",
        "also_changed": 'the labels of the other details that changed ("Main telephone"), '
        "not their values",
    },
}

# Model -> the lookup from a row to its pupil: destruction blanks the rows of the pupil's file at
# the school being destroyed.
PUPIL_RECORDS: dict[type[Model], str] = {FamilyContact: "pupil_id", FamilyContactChange: "pupil_id"}
