"""The audit app's append-only guards (installed by safeguard.triggers after every migrate).

Nobody edits or removes the access log, nor the record of what the platform administrator did to
a school: the head and the DSL rely on it to know who touched their school from outside.
"""

from safeguard.triggers import Guard

ALWAYS = "(1 = 1)"

GUARDS = [
    Guard(f"{table}_{op.lower()}", f"audit_{table}", op, ALWAYS)
    for table in ["accesslog", "platformadminevent"]
    for op in ["UPDATE", "DELETE"]
]
