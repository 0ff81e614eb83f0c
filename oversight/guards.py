"""The signed-record guards of oversight (installed by safeguard.triggers after every migrate).

A submitted QA review never changes and is never deleted; a response never changes at all.
"""

from safeguard.triggers import Guard

GUARDS = [
    Guard("qareview_update", "oversight_qareview", "UPDATE", "(OLD.status = 'submitted')"),
    Guard("qareview_delete", "oversight_qareview", "DELETE", "(OLD.status = 'submitted')"),
    Guard("qaresponse_update", "oversight_qaresponse", "UPDATE", "(1 = 1)"),
    Guard("qaresponse_delete", "oversight_qaresponse", "DELETE", "(1 = 1)"),
]

# The history of a trust's category list is append-only.
GUARDS += [
    Guard("categorychange_update", "oversight_categorychange", "UPDATE", "(1 = 1)"),
    Guard("categorychange_delete", "oversight_categorychange", "DELETE", "(1 = 1)"),
]
