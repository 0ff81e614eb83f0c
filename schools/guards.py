"""The append-only guards of the role history (installed by safeguard.triggers after every migrate).

Who was given which role, by whom and when is evidence a headteacher or an inspector may ask for:
no code path or SQL client may change or remove a row of it.
"""

from safeguard.triggers import Guard

ALWAYS = "1 = 1"

GUARDS = [
    Guard(f"{table}_{op.lower()}", f"schools_{table}", op, ALWAYS)
    for table in ["membershipevent", "trustmembershipevent"]
    for op in ["UPDATE", "DELETE"]
]
