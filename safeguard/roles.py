"""Every role and the permissions it carries, in one place (docs/architecture.md section 4).

A role is a named set of permissions. A school role is held as django-guardian object permissions
on the `School` row; a trust role on the `Trust` row. A permission granted on a trust applies to
every school of that trust, so a trust role reaches a school without a row per school.

Change a role here, then run `python manage.py sync_role_permissions` to re-derive the guardian
rows from the memberships.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Perm(StrEnum):
    """Permission codenames (app label `schools`, held on School and Trust rows)."""

    LOG_CONCERN = "log_concern"
    VIEW_PUPILS = "view_pupils"
    READ_CP_RECORDS = "read_cp_records"
    MANAGE_CP_RECORDS = "manage_cp_records"
    VIEW_ALL_RESTRICTED = "view_all_restricted"
    TRANSFER_CP_FILES = "transfer_cp_files"
    MANAGE_ALLEGATIONS = "manage_allegations"
    MANAGE_PUPIL_ROLL = "manage_pupil_roll"
    MANAGE_STAFF = "manage_staff"
    VIEW_SCHOOL_DASHBOARD = "view_school_dashboard"
    VIEW_SCHOOL_AGGREGATES = "view_school_aggregates"
    VIEW_TRUST_DASHBOARD = "view_trust_dashboard"
    QA_REVIEW = "qa_review"
    MANAGE_CATEGORIES = "manage_categories"
    MANAGE_CONTACTS = "manage_contacts"
    VIEW_FAMILY_CONTACTS = "view_family_contacts"
    CONFIRM_CP_ROLES = "confirm_cp_roles"
    VIEW_STAFF_HISTORY = "view_staff_history"
    MANAGE_TRUST_ROLES = "manage_trust_roles"
    VIEW_PLATFORM_ADMIN_EVENTS = "view_platform_admin_events"
    RESET_TWO_FACTOR = "reset_two_factor"
    MANAGE_API_CLIENTS = "manage_api_clients"

    @property
    def full(self) -> str:
        """The `app_label.codename` form that `user.has_perm` takes."""
        return f"schools.{self.value}"


PERMISSION_DESCRIPTIONS: dict[Perm, str] = {
    Perm.LOG_CONCERN: "Log a concern and see own concerns and their status",
    Perm.VIEW_PUPILS: "See the pupil list and pupil pages",
    Perm.READ_CP_RECORDS: "Read the school's child-protection records",
    Perm.MANAGE_CP_RECORDS: "Triage, decide, keep chronologies, referrals, plans, risk assessments",
    Perm.VIEW_ALL_RESTRICTED: "Read every restricted record of the school",
    Perm.TRANSFER_CP_FILES: "Transfer child-protection files out and in",
    Perm.MANAGE_ALLEGATIONS: "Handle allegations against adults and low-level concerns",
    Perm.MANAGE_PUPIL_ROLL: "Keep the pupil roll",
    Perm.MANAGE_STAFF: "Keep staff accounts",
    Perm.VIEW_SCHOOL_DASHBOARD: "See the school dashboard with its lists",
    Perm.VIEW_SCHOOL_AGGREGATES: "See the school's aggregate figures, never a child's name",
    Perm.VIEW_TRUST_DASHBOARD: "See the trust dashboard and trends",
    Perm.QA_REVIEW: "Quality-assure the schools' records",
    Perm.MANAGE_CATEGORIES: "Own the trust's category list",
    Perm.MANAGE_CONTACTS: "Keep the trust's list of agencies and their contact details",
    Perm.VIEW_FAMILY_CONTACTS: "See pupils' parents, carers and emergency contacts",
    Perm.CONFIRM_CP_ROLES: "Confirm or decline a child-protection role given to a member of staff",
    Perm.VIEW_STAFF_HISTORY: "Read the school's history of who was given which role",
    Perm.MANAGE_TRUST_ROLES: "Give and take away the trust's roles (trust safeguarding officers)",
    Perm.VIEW_PLATFORM_ADMIN_EVENTS: "Read what the platform administrator changed at the school",
    Perm.RESET_TWO_FACTOR: "Reset the two-factor sign-in of someone who lost their device",
    Perm.MANAGE_API_CLIENTS: "Register and revoke the systems that use the API (MIS, monitoring)",
}

# The permissions listed on the School and Trust models (their Meta.permissions).
SCHOOL_PERMISSIONS: list[tuple[str, str | Any]] = [
    (p.value, PERMISSION_DESCRIPTIONS[p]) for p in Perm
]
TRUST_PERMISSIONS = SCHOOL_PERMISSIONS


class RoleKey(StrEnum):
    """The key of every role, as memberships store it: name a role by this, never by a string."""

    STAFF = "staff"
    DSL = "dsl"
    DEPUTY = "deputy"
    HEAD = "head"
    ADMIN = "admin"
    GOVERNOR = "governor"
    TSO = "tso"


class Scope(StrEnum):
    SCHOOL = "school"
    TRUST = "trust"


@dataclass(frozen=True)
class Role:
    key: RoleKey
    label: str
    scope: Scope
    perms: frozenset[Perm]


def _role(key: RoleKey, label: str, scope: Scope, *perms: Perm) -> Role:
    return Role(key=key, label=label, scope=scope, perms=frozenset(perms))


_AGGREGATES = Perm.VIEW_SCHOOL_AGGREGATES

ROLES: dict[str, Role] = {  # keyed by RoleKey (a str)
    r.key: r
    for r in [
        _role(
            RoleKey.STAFF,
            "Staff member or volunteer",
            Scope.SCHOOL,
            Perm.LOG_CONCERN,
            Perm.VIEW_PUPILS,
        ),
        _role(
            RoleKey.DSL,
            "Designated Safeguarding Lead",
            Scope.SCHOOL,
            Perm.LOG_CONCERN,
            Perm.VIEW_PUPILS,
            Perm.READ_CP_RECORDS,
            Perm.MANAGE_CP_RECORDS,
            Perm.VIEW_ALL_RESTRICTED,
            Perm.CONFIRM_CP_ROLES,
            Perm.VIEW_STAFF_HISTORY,
            Perm.VIEW_PLATFORM_ADMIN_EVENTS,
            Perm.RESET_TWO_FACTOR,
            Perm.MANAGE_API_CLIENTS,
            Perm.TRANSFER_CP_FILES,
            Perm.VIEW_SCHOOL_DASHBOARD,
            Perm.VIEW_FAMILY_CONTACTS,
            # Issue 14: the DSL keeps the roll with the administrator (docs/adr/0022).
            Perm.MANAGE_PUPIL_ROLL,
            _AGGREGATES,
        ),
        _role(
            RoleKey.DEPUTY,
            "Deputy Designated Safeguarding Lead",
            Scope.SCHOOL,
            Perm.LOG_CONCERN,
            Perm.VIEW_PUPILS,
            Perm.READ_CP_RECORDS,
            Perm.MANAGE_CP_RECORDS,
            Perm.TRANSFER_CP_FILES,
            Perm.VIEW_SCHOOL_DASHBOARD,
            Perm.VIEW_FAMILY_CONTACTS,
            _AGGREGATES,
        ),
        _role(
            RoleKey.HEAD,
            "Headteacher",
            Scope.SCHOOL,
            Perm.CONFIRM_CP_ROLES,
            Perm.VIEW_STAFF_HISTORY,
            Perm.VIEW_PLATFORM_ADMIN_EVENTS,
            Perm.RESET_TWO_FACTOR,
            Perm.MANAGE_API_CLIENTS,
            Perm.LOG_CONCERN,
            Perm.VIEW_PUPILS,
            Perm.READ_CP_RECORDS,
            Perm.MANAGE_ALLEGATIONS,
            Perm.VIEW_SCHOOL_DASHBOARD,
            Perm.VIEW_FAMILY_CONTACTS,
            _AGGREGATES,
        ),
        _role(
            RoleKey.ADMIN,
            "School administrator",
            Scope.SCHOOL,
            Perm.LOG_CONCERN,
            Perm.VIEW_PUPILS,
            Perm.MANAGE_PUPIL_ROLL,
            Perm.MANAGE_STAFF,
            Perm.VIEW_STAFF_HISTORY,
            Perm.VIEW_FAMILY_CONTACTS,
        ),
        _role(RoleKey.GOVERNOR, "Designated Safeguarding Governor", Scope.SCHOOL, _AGGREGATES),
        _role(
            RoleKey.TSO,
            "Trust Safeguarding Officer",
            Scope.TRUST,
            Perm.VIEW_PUPILS,
            Perm.READ_CP_RECORDS,
            Perm.MANAGE_ALLEGATIONS,
            Perm.VIEW_SCHOOL_DASHBOARD,
            _AGGREGATES,
            Perm.VIEW_TRUST_DASHBOARD,
            Perm.QA_REVIEW,
            Perm.MANAGE_CATEGORIES,
            Perm.MANAGE_CONTACTS,
            Perm.MANAGE_TRUST_ROLES,
            Perm.MANAGE_API_CLIENTS,
        ),
    ]
}

SCHOOL_ROLE_CHOICES = [(r.key, r.label) for r in ROLES.values() if r.scope is Scope.SCHOOL]
TRUST_ROLE_CHOICES = [(r.key, r.label) for r in ROLES.values() if r.scope is Scope.TRUST]


# The school roles that read and keep child-protection records: granting one needs the
# headteacher or the DSL to confirm it, and every change is told to them (issue 14).
CP_ROLES = frozenset({RoleKey.DSL, RoleKey.DEPUTY, RoleKey.HEAD})
# The roles that confirm a CP role, and are told of what the platform administrator changes.
CP_ROLE_CONFIRMERS = frozenset({RoleKey.HEAD, RoleKey.DSL})


def roles_with(perm: Perm, scope: Scope = Scope.SCHOOL) -> list[RoleKey]:
    """The roles of `scope` that carry `perm`, in the order of ROLES."""
    return [r.key for r in ROLES.values() if r.scope is scope and perm in r.perms]


# A second factor at sign-in (issue 16) for every role that reaches children's records,
# allegations against adults or other people's accounts: all but staff and governors. The
# platform administrator (`is_staff`) needs one too (schools/twofactor/policy.py).
TWO_FACTOR_PERMS = frozenset(
    {Perm.READ_CP_RECORDS, Perm.MANAGE_ALLEGATIONS, Perm.MANAGE_STAFF, Perm.MANAGE_PUPIL_ROLL}
)
TWO_FACTOR_ROLES = frozenset(r.key for r in ROLES.values() if r.perms & TWO_FACTOR_PERMS)
