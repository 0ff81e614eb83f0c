"""Writes to trusts, schools, people and pupils. Every write goes through here."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from guardian.models import UserObjectPermission

from safeguard.access import forget_access
from safeguard.roles import ROLES, Scope

from .models import Pupil, School, SchoolMembership, Trust, TrustMembership, User


def _grant_role_perms(user: User, role_key: str, target: School | Trust) -> None:
    """Write the role's guardian rows on the school or trust in one statement."""
    content_type = ContentType.objects.get_for_model(target)
    codenames = [p.value for p in ROLES[role_key].perms]
    permissions = Permission.objects.filter(content_type=content_type, codename__in=codenames)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=user, permission=p, content_type=content_type, object_pk=str(target.pk)
            )
            for p in permissions
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def user_permissions_sync(*, user: User) -> None:
    """Re-derive a user's guardian rows on schools and trusts from their memberships."""
    cts = ContentType.objects.get_for_models(School, Trust)
    UserObjectPermission.objects.filter(user=user, content_type__in=cts.values()).delete()
    for m in SchoolMembership.objects.filter(user=user).select_related("school"):
        _grant_role_perms(user, m.role, m.school)
    for tm in TrustMembership.objects.filter(user=user).select_related("trust"):
        _grant_role_perms(user, tm.role, tm.trust)
    forget_access(user)


@transaction.atomic
def school_membership_grant(*, user: User, school: School, role: str) -> SchoolMembership:
    """Give a person a role in a school (idempotent)."""
    if role not in ROLES or ROLES[role].scope is not Scope.SCHOOL:
        raise ValueError(f"{role!r} is not a school role")
    membership, _ = SchoolMembership.objects.get_or_create(user=user, school=school, role=role)
    _grant_role_perms(user, role, school)
    forget_access(user)
    return membership


@transaction.atomic
def school_membership_revoke(*, membership: SchoolMembership) -> None:
    """Take a role away; the person keeps any other role they hold."""
    user = membership.user
    membership.delete()
    user_permissions_sync(user=user)


@transaction.atomic
def trust_membership_grant(*, user: User, trust: Trust, role: str) -> TrustMembership:
    """Give a person a role across a trust (idempotent)."""
    if role not in ROLES or ROLES[role].scope is not Scope.TRUST:
        raise ValueError(f"{role!r} is not a trust role")
    membership, _ = TrustMembership.objects.get_or_create(user=user, trust=trust, role=role)
    _grant_role_perms(user, role, trust)
    forget_access(user)
    return membership


def user_create(
    *, email: str, full_name: str, job_title: str = "", password: str | None = None
) -> User:
    """A new person who signs in with their email address."""
    return User.objects.create_user(
        email=email, password=password, full_name=full_name, job_title=job_title
    )


@transaction.atomic
def pupil_create(
    *,
    school: School,
    legal_first_name: str,
    legal_last_name: str,
    date_of_birth: datetime.date,
    year_group: str,
    joined_on: datetime.date,
    **fields: Any,
) -> Pupil:
    """Add a pupil to a school's roll."""
    pupil = Pupil(
        school=school,
        legal_first_name=legal_first_name,
        legal_last_name=legal_last_name,
        date_of_birth=date_of_birth,
        year_group=year_group,
        joined_on=joined_on,
        **fields,
    )
    pupil.full_clean()
    pupil.save()
    return pupil
