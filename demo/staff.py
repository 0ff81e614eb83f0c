"""The demo's person with roles in two schools, written through the staff services."""

from __future__ import annotations

from safeguard.roles import RoleKey
from schools.models import RoleRequest, School, SchoolMembership, User
from schools.staff.services import role_request_confirm, staff_invite, staff_roles_set

from .people import SHARED_DEPUTY_EMAIL, SHARED_DEPUTY_SCHOOLS, demo_user


def seed_demo_shared_deputy(*, password: str) -> User:
    """A deputy DSL at Alderbrook and at Southend Bay (one account, two schools): each school's
    administrator gives the role and its headteacher confirms it, so the staff history shows how.
    Running it again changes nothing."""
    person = demo_user(SHARED_DEPUTY_EMAIL, "Priya Shah", "Deputy DSL (trust-wide)", password)
    for slug in SHARED_DEPUTY_SCHOOLS:
        school = School.objects.get(slug=slug)
        if SchoolMembership.objects.filter(
            user=person, school=school, role=RoleKey.DEPUTY
        ).exists():
            continue
        admin = User.objects.get(email=f"admin@{slug}.example")
        head = User.objects.get(email=f"head@{slug}.example")
        works_here = SchoolMembership.objects.filter(user=person, school=school).exists()
        pending = RoleRequest.objects.filter(
            user=person, school=school, role=RoleKey.DEPUTY, status=RoleRequest.Status.PENDING
        ).first()
        if pending is None:
            if works_here:
                roles = [
                    *SchoolMembership.objects.filter(user=person, school=school).values_list(
                        "role", flat=True
                    ),
                    RoleKey.DEPUTY,
                ]
                staff_roles_set(actor=admin, school=school, person=person, roles=roles)
            else:
                staff_invite(
                    actor=admin,
                    school=school,
                    email=person.email,
                    full_name=person.full_name,
                    job_title=person.job_title,
                    roles=[RoleKey.DEPUTY],
                )
            pending = RoleRequest.objects.get(
                user=person, school=school, role=RoleKey.DEPUTY, status=RoleRequest.Status.PENDING
            )
        role_request_confirm(actor=head, role_request=pending)
    return person
