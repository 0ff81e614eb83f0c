"""What an API client may do: named scopes, each a set of the permissions the pages use.

A client acts as its own account (a system, not a person: `ApiClient.user`), and its scopes are
granted to that account as guardian permissions on its school or its trust, so every selector
and service checks a client exactly as it checks a person (docs/adr/0035).
"""

from __future__ import annotations

from enum import StrEnum

from safeguard.roles import Perm


class ApiScope(StrEnum):
    ROLL_WRITE = "roll:write"
    ALERTS_WRITE = "alerts:write"
    FIGURES_READ = "figures:read"


SCOPE_LABELS: dict[ApiScope, str] = {
    ApiScope.ROLL_WRITE: "Keep the pupil roll in step with the MIS (add, update and mark leavers)",
    ApiScope.ALERTS_WRITE: "Raise alerts that become concerns in the DSL's triage inbox",
    ApiScope.FIGURES_READ: "Read the dashboards' figures (counts only, never a child's name)",
}

SCOPE_HINTS: dict[ApiScope, str] = {
    ApiScope.ROLL_WRITE: "For an MIS connector such as Wonde or Groupcall Xporter.",
    ApiScope.ALERTS_WRITE: "For web filtering and monitoring, such as Smoothwall Monitor.",
    ApiScope.FIGURES_READ: "For the trust's reports in Power BI or a data warehouse.",
}

# The permissions each scope grants on the client's school (or trust). Reading the school's
# categories and agencies needs no scope of its own: any client of the school may, as any member
# of staff may (they name what an alert is about). Raising an alert is logging a concern as a
# member of staff does, who finds the pupils on the roll (VIEW_PUPILS: the pages' selector and
# `concern_pupil_add` check it); the account still signs in to no page and reads nothing back.
SCOPE_PERMS: dict[ApiScope, frozenset[Perm]] = {
    ApiScope.ROLL_WRITE: frozenset({Perm.MANAGE_PUPIL_ROLL, Perm.VIEW_PUPILS}),
    ApiScope.ALERTS_WRITE: frozenset({Perm.LOG_CONCERN, Perm.VIEW_PUPILS}),
    ApiScope.FIGURES_READ: frozenset({Perm.VIEW_SCHOOL_AGGREGATES}),
}
# A trust-wide client reading figures also reads the trust's own (the trust dashboard's).
TRUST_SCOPE_PERMS: dict[ApiScope, frozenset[Perm]] = {
    **SCOPE_PERMS,
    ApiScope.FIGURES_READ: frozenset({Perm.VIEW_SCHOOL_AGGREGATES, Perm.VIEW_TRUST_DASHBOARD}),
}

# Who may give a scope: a person who holds any of these on the client's school (or, for a
# trust-wide client, on the trust). Nobody gives a system more than they may do themselves: the
# roll is the roll keepers' (the DSL, for a school; no trust role keeps rolls), figures are for
# who reads them. Alerts only put a concern in front of the DSL, so who reads the school's CP
# records may route them there as well as who logs concerns (the trust's TSO, for a trust-wide
# monitoring system). docs/adr/0035.
SCOPE_GIVEN_BY: dict[ApiScope, frozenset[Perm]] = {
    ApiScope.ROLL_WRITE: frozenset({Perm.MANAGE_PUPIL_ROLL}),
    ApiScope.ALERTS_WRITE: frozenset({Perm.LOG_CONCERN, Perm.READ_CP_RECORDS}),
    ApiScope.FIGURES_READ: frozenset({Perm.VIEW_SCHOOL_AGGREGATES}),
}

SCOPE_CHOICES = [(s.value, SCOPE_LABELS[s]) for s in ApiScope]
