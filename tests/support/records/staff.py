"""Staff-role records of one school for the shared `records` fixture: a CP role waiting for the
head or the DSL, and a row of the school's role history."""

from __future__ import annotations

from typing import Any

from schools.models import MembershipAction, MembershipEvent, RoleRequest, School, User


def staff_records(school: School, manager: User) -> tuple[Any, Any]:
    """(role_request, membership_event): a new person given the deputy role, not yet confirmed.

    Written directly, like the closure: the service wants the school administrator, whom school B
    lacks."""
    person = User.objects.create_user(
        email=f"new.deputy@{school.slug}.example",
        full_name=f"Newly Invited {school.reference_prefix.title()}",
        job_title="Assistant head",
    )
    role_request = RoleRequest.objects.create(
        school=school, user=person, role="deputy", requested_by=manager
    )
    event = MembershipEvent.objects.create(
        school=school,
        actor=manager,
        actor_name=manager.full_name,
        person=person,
        person_name=person.full_name,
        person_email=person.email,
        action=MembershipAction.ROLE_REQUESTED,
        role="deputy",
    )
    return role_request, event
