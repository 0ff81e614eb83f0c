"""The history of a pupil's family contacts is never changed or removed."""

from safeguard.triggers import Guard

GUARDS = [
    Guard("familycontactchange_update", "contacts_familycontactchange", "UPDATE", "(1 = 1)"),
    Guard("familycontactchange_delete", "contacts_familycontactchange", "DELETE", "(1 = 1)"),
]
