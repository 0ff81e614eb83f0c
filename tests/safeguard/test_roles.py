"""The capability table of docs/architecture.md section 4, checked against what each role really
holds; and roles named by `RoleKey`, never by a string."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from safeguard.access import access_for
from safeguard.roles import Perm, RoleKey
from schools import services
from schools.models import SchoolMembership, User
from tests.support.factories import SchoolFactory, UserFactory, member
from tests.support.source import StringsFor, product_modules
from tests.support.world import World

Y = True
N = False
# Written out from docs/architecture.md section 4 by hand, not derived from safeguard/roles.py.
#                         staff dsl deputy head admin governor tso
TABLE: dict[Perm, tuple[bool, ...]] = {
    Perm.LOG_CONCERN: (Y, Y, Y, Y, Y, N, N),
    Perm.VIEW_PUPILS: (Y, Y, Y, Y, Y, N, Y),
    Perm.READ_CP_RECORDS: (N, Y, Y, Y, N, N, Y),
    Perm.MANAGE_CP_RECORDS: (N, Y, Y, N, N, N, N),
    Perm.VIEW_ALL_RESTRICTED: (N, Y, N, N, N, N, N),
    Perm.TRANSFER_CP_FILES: (N, Y, Y, N, N, N, N),
    Perm.MANAGE_ALLEGATIONS: (N, N, N, Y, N, N, Y),
    # Issue 14: the DSL keeps the roll with the administrator; the deputy does not (ADR 0022).
    Perm.MANAGE_PUPIL_ROLL: (N, Y, N, N, Y, N, N),
    Perm.MANAGE_STAFF: (N, N, N, N, Y, N, N),
    Perm.VIEW_SCHOOL_DASHBOARD: (N, Y, Y, Y, N, N, Y),
    Perm.VIEW_SCHOOL_AGGREGATES: (N, Y, Y, Y, N, Y, Y),
    Perm.VIEW_TRUST_DASHBOARD: (N, N, N, N, N, N, Y),
    Perm.QA_REVIEW: (N, N, N, N, N, N, Y),
    Perm.MANAGE_CATEGORIES: (N, N, N, N, N, N, Y),
    # Not in docs/architecture.md's table: the trust keeps its agencies' contact details (issue 5, "the
    # trust admin edits them"); family contacts are for the school's office and CP roles.
    Perm.MANAGE_CONTACTS: (N, N, N, N, N, N, Y),
    Perm.VIEW_FAMILY_CONTACTS: (N, Y, Y, Y, Y, N, N),
    # Issue 14: a CP role given by the administrator starts once the head or the DSL confirms
    # it; they and the administrator read the role history; the TSO keeps the trust's roles.
    Perm.CONFIRM_CP_ROLES: (N, Y, N, Y, N, N, N),
    Perm.VIEW_STAFF_HISTORY: (N, Y, N, Y, Y, N, N),
    Perm.MANAGE_TRUST_ROLES: (N, N, N, N, N, N, Y),
    # Issue 14: what the platform administrator did at the school is told to the head and DSL.
    Perm.VIEW_PLATFORM_ADMIN_EVENTS: (N, Y, N, Y, N, N, N),
    # Issue 16: the DSL or the head resets a colleague's two-factor sign-in (a lost phone).
    Perm.RESET_TWO_FACTOR: (N, Y, N, Y, N, N, N),
    Perm.MANAGE_API_CLIENTS: (N, Y, N, Y, N, N, Y),
}
COLUMNS = ["staff", "dsl", "deputy", "head", "admin", "governor", "tso"]


@pytest.mark.parametrize("perm", list(Perm), ids=lambda p: p.value)
def test_capability_table(world: World, perm: Perm) -> None:
    held = tuple(access_for(world.users[role]).has(perm, world.school) for role in COLUMNS)
    assert held == TABLE[perm]


@pytest.mark.parametrize("perm", list(Perm), ids=lambda p: p.value)
def test_no_role_reaches_another_trusts_school(world: World, perm: Perm) -> None:
    for role in COLUMNS:
        assert not access_for(world.users[role]).has(perm, world.other_school)


def test_guardian_holds_the_school_roles(world: World) -> None:
    """`user.has_perm("schools.<perm>", school)` is the django-guardian check of docs/architecture.md."""
    dsl = world.users["dsl"]
    assert dsl.has_perm(Perm.MANAGE_CP_RECORDS.full, world.school)
    assert not dsl.has_perm(Perm.MANAGE_CP_RECORDS.full, world.other_school)
    assert not world.users["staff"].has_perm(Perm.READ_CP_RECORDS.full, world.school)


def test_trust_role_reaches_every_school_of_the_trust_including_new_ones(world: World) -> None:
    later = SchoolFactory(trust=world.school.trust)
    tso = world.users["tso"]
    assert access_for(tso).schools_with(Perm.READ_CP_RECORDS) == sorted([world.school.pk, later.pk])


def test_platform_superuser_reads_no_school(world: World) -> None:
    root = UserFactory(is_superuser=True, is_staff=True)
    assert access_for(root).school_ids() == []


def test_inactive_user_holds_nothing(world: World) -> None:
    dsl = world.users["dsl"]
    dsl.is_active = False
    dsl.save()
    dsl.refresh_from_db()
    assert not access_for(dsl).has(Perm.READ_CP_RECORDS, world.school)


def test_revoking_one_role_keeps_the_others(world: World) -> None:
    person = member(world.school, "staff")
    services.school_membership_grant(user=person, school=world.school, role="dsl")
    assert access_for(person).has(Perm.MANAGE_CP_RECORDS, world.school)
    dsl_role = SchoolMembership.objects.get(user=person, role="dsl")
    services.school_membership_revoke(membership=dsl_role)
    fresh = User.objects.get(pk=person.pk)  # the next request loads the person afresh
    assert not access_for(fresh).has(Perm.MANAGE_CP_RECORDS, world.school)
    assert access_for(fresh).has(Perm.LOG_CONCERN, world.school)


def test_roles_in_two_schools_stay_apart(world: World) -> None:
    person = member(world.school, "staff")
    services.school_membership_grant(user=person, school=world.other_school, role="dsl")
    access = access_for(person)
    assert not access.has(Perm.READ_CP_RECORDS, world.school)
    assert access.has(Perm.READ_CP_RECORDS, world.other_school)


def test_permissions_are_loaded_in_one_query_per_request(
    world: World,
    django_assert_num_queries,
) -> None:
    person = User.objects.get(pk=member(world.school, "dsl").pk)  # fresh, as each request loads
    with django_assert_num_queries(1):
        access = access_for(person)
        for perm in Perm:
            access.has(perm, world.school)
            access.has(perm, world.other_school)


def test_has_perm_agrees_with_access_for_trust_roles(world: World) -> None:
    tso = world.users["tso"]
    assert tso.has_perm(Perm.READ_CP_RECORDS.full, world.school)
    assert tso.has_perm(Perm.VIEW_TRUST_DASHBOARD.full, world.school.trust)
    assert not tso.has_perm(Perm.READ_CP_RECORDS.full, world.other_school)
    assert not tso.has_perm(Perm.MANAGE_CP_RECORDS.full, world.school)


def test_superuser_has_no_perm_on_a_school(world: World) -> None:
    root = UserFactory(is_superuser=True, is_staff=True)
    assert not root.has_perm(Perm.READ_CP_RECORDS.full, world.school)
    assert not root.has_perm("concerns.anything", world.school)
    assert root.has_perm("schools.change_school")  # the platform admin keeps the Django admin


def test_a_revoke_reaches_every_copy_of_the_user_within_a_request(world: World) -> None:
    from safeguard.access import access_cache

    person = member(world.school, "dsl")
    with access_cache():
        request_user = User.objects.get(pk=person.pk)  # the copy a request holds
        assert access_for(request_user).has(Perm.MANAGE_CP_RECORDS, world.school)
        services.school_membership_revoke(membership=SchoolMembership.objects.get(user=person))
        assert not access_for(request_user).has(Perm.MANAGE_CP_RECORDS, world.school)


# Calls that take a role key's word for something else: a mapping's or a form's field named
# "governor", the body map's "head". A string there is not a role.
NOT_ROLES = {"get", "getattr", "hasattr", "pop", "setdefault", "Shape", "_choices"}
ROLE_STRINGS = StringsFor(
    "role", frozenset(str(k) for k in RoleKey), positional=lambda name: name not in NOT_ROLES
)


def _role_literals(tree: ast.AST) -> Iterator[int]:
    """Lines naming a role by a string: `role="dsl"`, `...__role__in=["dsl"]`, `ROLES["tso"]`,
    `"dsl" in roles`, `role == "head"`, `roles = [..., "deputy"]`, and a role key passed as a
    positional argument (`people.of(school_id, "dsl", "deputy")`)."""
    yield from ROLE_STRINGS.lines(tree)
    literal = ROLE_STRINGS.literal
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and literal(node.slice):
            if isinstance(node.value, ast.Name) and node.value.id == "ROLES":
                yield node.lineno
        elif isinstance(node, ast.Compare) and literal(node.left):
            if any(isinstance(op, ast.In | ast.NotIn) for op in node.ops):
                yield node.lineno


def test_no_module_names_a_role_by_a_string() -> None:
    """Roles are named by `RoleKey` (safeguard/roles.py), so a mistyped role is an error at
    import, not a query that quietly finds nobody."""
    found = [
        f"{path}:{line}"
        for path, tree in product_modules(skip=("safeguard/roles.py",))
        for line in sorted(set(_role_literals(tree)))
    ]
    assert not found, f"role keys written as strings (use RoleKey): {found}"


def test_the_literal_finder_finds_what_it_is_for() -> None:
    source = (
        'a(role="dsl")\nb(x__role__in=["head"])\nROLES["tso"]\n"admin" in held\n'
        'people.of(1, "dsl", "deputy")\nroles = [*held, "deputy"]\nif m.role == "head": pass\n'
        'f(["governor"])\nGLOBAL = frozenset({"admin", "auth"})\n'
        'c(role=RoleKey.DSL)\nd(name="dsl")\ndata.get("governor")\nShape("circle", "head")\n'
        'people.of(1, RoleKey.DSL)\npart = "head"\n'
    )
    found = sorted(set(_role_literals(ast.parse(source))))
    assert found == [1, 2, 3, 4, 5, 6, 7, 8]  # not the app labels on line 9, nor what follows
