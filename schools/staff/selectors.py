"""Reads of staff accounts, roles and their history, always scoped by the acting person."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.http import Http404

from safeguard.access import access_for, get_or_404
from safeguard.roles import ROLES, Perm
from schools.models import (
    MembershipEvent,
    RoleRequest,
    School,
    SchoolMembership,
    Trust,
    TrustMembership,
    TrustMembershipEvent,
    User,
)

from .services import CONFIRMER_ROLES, SCHOOL_ROLES, may_decide, tso_confirms

HISTORY_PAGE = 100


@dataclass
class StaffRow:
    """A person as the staff list shows them: only their roles in this school."""

    person: User
    roles: list[str] = field(default_factory=list)
    pending: list[RoleRequest] = field(default_factory=list)

    @property
    def role_labels(self) -> list[str]:
        return [ROLES[r].label for r in self.roles]

    @property
    def status(self) -> str:
        if not self.roles and not self.pending:
            return "Left" if self.person.is_active else "Deactivated"
        if not self.person.has_usable_password():
            return "Invited"
        return "Active"

    @property
    def works_here(self) -> bool:
        return bool(self.roles or self.pending)


def _holds_or_waits(school: School) -> Q:
    """Whether the person holds a role in the school or waits for one (works here)."""
    return Q(Exists(SchoolMembership.objects.filter(user_id=OuterRef("pk"), school=school))) | Q(
        Exists(
            RoleRequest.objects.filter(
                user_id=OuterRef("pk"), school=school, status=RoleRequest.Status.PENDING
            )
        )
    )


def _people_of(school: School) -> QuerySet[User]:
    """Everyone who holds, is waiting for, or once held a role in the school: each person once,
    found from the school's own rows (its memberships, requests and history, by their school's
    index), never by looking at every account of the platform, and with no join to multiply
    them nor `DISTINCT` to undo it."""
    ids = (
        SchoolMembership.objects.filter(school=school)
        .order_by()
        .values("user_id")
        .union(
            RoleRequest.objects.filter(school=school, status=RoleRequest.Status.PENDING)
            .order_by()
            .values("user_id"),
            MembershipEvent.objects.filter(school=school).order_by().values("person_id"),
            all=True,
        )
    )
    return User.objects.filter(pk__in=ids)


def _with_roles_here(people: QuerySet[User], school: School) -> QuerySet[User]:
    return people.prefetch_related(
        Prefetch(
            "school_memberships",
            queryset=SchoolMembership.objects.filter(school=school),
            to_attr="memberships_here",
        ),
        Prefetch(
            "role_requests",
            queryset=RoleRequest.objects.filter(
                school=school, status=RoleRequest.Status.PENDING
            ).order_by("created_at"),
            to_attr="pending_here",
        ),
    )


def _row(person: User) -> StaffRow:
    roles = sorted({m.role for m in person.memberships_here}, key=SCHOOL_ROLES.index)  # type: ignore[attr-defined]
    return StaffRow(person=person, roles=roles, pending=list(person.pending_here))  # type: ignore[attr-defined]


def _require(actor: Any, perm: Perm, school: School | None) -> School:
    if school is None or not access_for(actor).has(perm, school):
        raise Http404("No such record.")
    return school


def staff_list_for(*, actor: Any, school: School) -> QuerySet[User]:
    """The school's people, with their roles here only (`staff_rows` reads them): working here
    first, then leavers, each by name, in the database so the list is read a page at a time.
    The head and the DSL read it too (they confirm roles and read the history); only the school
    administrator changes it."""
    _require(actor, Perm.VIEW_STAFF_HISTORY, school)
    works_here = ExpressionWrapper(_holds_or_waits(school), output_field=BooleanField())
    return (
        _with_roles_here(_people_of(school), school)
        .alias(works_here=works_here)
        .order_by(F("works_here").desc(), "full_name", "email", "pk")
    )


def staff_rows(people: Iterable[User]) -> list[StaffRow]:
    """The rows of people read by `staff_list_for` (their roles and requests here)."""
    return [_row(p) for p in people]


def staff_roles_waiting_count(*, actor: Any, school: School) -> int:
    """How many roles in the school wait for the headteacher or the DSL to confirm them."""
    _require(actor, Perm.VIEW_STAFF_HISTORY, school)
    return RoleRequest.objects.filter(school=school, status=RoleRequest.Status.PENDING).count()


def staff_get_for(*, actor: Any, school: School, pk: Any) -> StaffRow:
    """One person of the school; missing, another school's and forbidden are the same 404."""
    _require(actor, Perm.MANAGE_STAFF, school)
    try:
        person = _with_roles_here(_people_of(school), school).get(pk=int(pk))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404("No such record.") from exc
    return _row(person)


def staff_history_for(
    *, actor: Any, school: School, person: User | None = None
) -> QuerySet[MembershipEvent]:
    """The school's role history, newest first (the head, the DSL and the administrator)."""
    _require(actor, Perm.VIEW_STAFF_HISTORY, school)
    events = MembershipEvent.objects.filter(school=school)
    if person is not None:
        events = events.filter(person=person)
    return events.order_by("-created_at", "-pk")


def role_requests_waiting_for(*, actor: Any, school: School | None) -> list[RoleRequest]:
    """The CP-role requests the actor may decide: their acting school's (head, DSL), and the
    trust's schools that have neither a head nor a DSL yet (the TSO)."""
    access = access_for(actor)
    school_ids = set()
    if school is not None and access.has(Perm.CONFIRM_CP_ROLES, school):
        school_ids.add(school.pk)
    trust_ids = access.trust_ids_with(Perm.MANAGE_TRUST_ROLES)
    requests = (
        RoleRequest.objects.filter(status=RoleRequest.Status.PENDING)
        .filter(Q(school_id__in=school_ids) | Q(school__trust_id__in=trust_ids))
        .exclude(user_id=actor.pk)
        .select_related("school", "user", "requested_by")
        .order_by("created_at")
    )
    return [
        r
        for r in requests
        if r.school_id in school_ids or (r.school.trust_id in trust_ids and tso_confirms(r))
    ]


def role_requests_waiting_count(*, actor: Any, school: School | None) -> int:
    """How many requests `role_requests_waiting_for` lists, in one query (the home page)."""
    access = access_for(actor)
    school_ids = (
        [school.pk] if school is not None and access.has(Perm.CONFIRM_CP_ROLES, school) else []
    )
    trust_ids = access.trust_ids_with(Perm.MANAGE_TRUST_ROLES)
    if not school_ids and not trust_ids:
        return 0
    # `tso_confirms` in SQL: the school has no active head or DSL besides the person asked about.
    confirmer = SchoolMembership.objects.filter(
        school_id=OuterRef("school_id"), role__in=CONFIRMER_ROLES, user__is_active=True
    ).exclude(user_id=OuterRef("user_id"))
    return (
        RoleRequest.objects.filter(status=RoleRequest.Status.PENDING)
        .filter(
            Q(school_id__in=school_ids) | (Q(school__trust_id__in=trust_ids) & ~Exists(confirmer))
        )
        .exclude(user_id=actor.pk)
        .count()
    )


def may_see_role_requests(*, actor: Any, school: School | None) -> bool:
    access = access_for(actor)
    return (school is not None and access.has(Perm.CONFIRM_CP_ROLES, school)) or bool(
        access.trust_ids_with(Perm.MANAGE_TRUST_ROLES)
    )


def role_request_get_for(*, actor: Any, pk: Any) -> RoleRequest:
    """One request the actor may decide; anything else is the same 404."""
    request = get_or_404(
        RoleRequest.objects.select_related("school", "user", "requested_by"), pk=pk
    )
    if request.status != RoleRequest.Status.PENDING:
        # A decided request is read in the history; only the deciders ever saw it here (the
        # TSO who decided one too: a second click on "Confirm" says it is done, not 404).
        access = access_for(actor)
        tso_decided_it = request.decided_by_id == getattr(
            actor, "pk", None
        ) and request.school.trust_id in access.trust_ids_with(Perm.MANAGE_TRUST_ROLES)
        if not (tso_decided_it or access.has(Perm.CONFIRM_CP_ROLES, request.school_id)):
            raise Http404("No such record.")
        return request
    if not may_decide(actor, request):
        raise Http404("No such record.")
    return request


# --- Trust roles ----------------------------------------------------------------------------------


def managed_trust_for(*, actor: Any, school: School | None) -> Trust:
    """The trust whose roles the actor keeps: the acting school's trust, else their first."""
    trust_ids = access_for(actor).trust_ids_with(Perm.MANAGE_TRUST_ROLES)
    if not trust_ids:
        raise Http404("No such record.")
    trust_id = (
        school.trust_id if school is not None and school.trust_id in trust_ids else trust_ids[0]
    )
    return Trust.objects.get(pk=trust_id)


def trust_staff_for(*, actor: Any, trust: Trust) -> list[TrustMembership]:
    """The trust's role holders."""
    if trust.pk not in access_for(actor).trust_ids_with(Perm.MANAGE_TRUST_ROLES):
        raise Http404("No such record.")
    return list(
        TrustMembership.objects.filter(trust=trust)
        .select_related("user")
        .order_by("user__full_name", "user__email", "pk")
    )


def trust_member_get_for(*, actor: Any, trust: Trust, pk: Any) -> User:
    """A person holding a role in the actor's trust, or the same 404."""
    if trust.pk not in access_for(actor).trust_ids_with(Perm.MANAGE_TRUST_ROLES):
        raise Http404("No such record.")
    try:
        return User.objects.filter(trust_memberships__trust=trust).distinct().get(pk=int(pk))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404("No such record.") from exc


def trust_history_for(*, actor: Any, trust: Trust) -> QuerySet[TrustMembershipEvent]:
    if trust.pk not in access_for(actor).trust_ids_with(Perm.MANAGE_TRUST_ROLES):
        raise Http404("No such record.")
    return TrustMembershipEvent.objects.filter(trust=trust).order_by("-created_at", "-pk")


def staff_two_factor_person_for(*, actor: Any, school: School, pk: Any) -> StaffRow:
    """A person who works at the school, for the DSL or headteacher resetting their two-factor
    sign-in; missing, another school's and forbidden are the same 404."""
    _require(actor, Perm.RESET_TWO_FACTOR, school)
    try:
        person = _with_roles_here(_people_of(school), school).get(pk=int(pk))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise Http404("No such record.") from exc
    row = _row(person)
    if not row.works_here:
        raise Http404("No such record.")
    return row
