"""Writes to trusts, schools, people and pupils. Every write goes through here."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.models import UserObjectPermission

from safeguard.access import access_for, forget_access
from safeguard.roles import ROLES, Perm, RoleKey, Scope

from .models import (
    SCHOOL_WEEKDAYS,
    Pupil,
    School,
    SchoolClosure,
    SchoolHours,
    SchoolMembership,
    Trust,
    TrustMembership,
    User,
)


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
def school_membership_grant(*, user: User, school: School, role: RoleKey) -> SchoolMembership:
    """Give a person a role in a school (idempotent)."""
    if role not in ROLES or ROLES[role].scope is not Scope.SCHOOL:
        raise ValueError(f"{str(role)!r} is not a school role")
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
def trust_membership_grant(*, user: User, trust: Trust, role: RoleKey) -> TrustMembership:
    """Give a person a role across a trust (idempotent)."""
    if role not in ROLES or ROLES[role].scope is not Scope.TRUST:
        raise ValueError(f"{str(role)!r} is not a trust role")
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


# --- Term dates: closures and school hours --------------------------------------------------------

# A closure longer than this is almost always a mistyped year, and would stop every school-day
# deadline for months: refuse it (the summer holiday is about 6 weeks).
CLOSURE_LONGEST_DAYS = 92
# How far from today a closure may be recorded: last year's (for absences still open) to a few
# years ahead; a date outside this is a typing mistake.
CLOSURE_YEARS_BACK = 2
CLOSURE_YEARS_AHEAD = 3


def school_closure_problems(
    *,
    school: School,
    name: str,
    first_day: datetime.date | None,
    last_day: datetime.date | None,
    closure: SchoolClosure | None = None,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with a closure as typed, as {field: plain-English message}."""
    today = today or timezone.localdate()
    earliest = datetime.date(today.year - CLOSURE_YEARS_BACK, 1, 1)
    latest = datetime.date(today.year + CLOSURE_YEARS_AHEAD, 12, 31)
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "Enter a name, like October half term or INSET day"
    for field, day, what in [("first_day", first_day, "first"), ("last_day", last_day, "last")]:
        if day is None:
            problems[field] = f"Enter the {what} day the school is closed"
        elif not earliest <= day <= latest:
            problems[field] = (
                f"Enter a date between {earliest:%d/%m/%Y} and {latest:%d/%m/%Y}: check the year"
            )
    if problems or first_day is None or last_day is None:
        return problems
    if last_day < first_day:
        return {"last_day": "The last day closed must be the same as or after the first day"}
    if (last_day - first_day).days + 1 > CLOSURE_LONGEST_DAYS:
        return {
            "last_day": (
                f"A closure can be at most {CLOSURE_LONGEST_DAYS} days long: check the dates, "
                "or record each holiday separately"
            )
        }
    overlapping = SchoolClosure.objects.filter(
        school=school, first_day__lte=last_day, last_day__gte=first_day
    )
    if closure is not None and closure.pk:
        overlapping = overlapping.exclude(pk=closure.pk)
    other = overlapping.order_by("first_day").first()
    if other is not None:
        problems["first_day"] = (
            f"These dates overlap {other.name} ({other.first_day:%d/%m/%Y} to "
            f"{other.last_day:%d/%m/%Y}): change the dates or change that closure"
        )
    return problems


def _require_manager(actor: Any, school: School) -> None:
    if actor is not None and not access_for(actor).has(Perm.MANAGE_STAFF, school):
        raise PermissionDenied


@transaction.atomic
def _save_closure(
    *,
    actor: Any,
    school: School,
    closure: SchoolClosure,
    name: str,
    first_day: datetime.date | None,
    last_day: datetime.date | None,
    today: datetime.date | None,
) -> SchoolClosure:
    _require_manager(actor, school)
    # Serialise a school's closure changes, so two people cannot save overlapping closures.
    School.objects.select_for_update().filter(pk=school.pk).first()
    problems = school_closure_problems(
        school=school,
        name=name,
        first_day=first_day,
        last_day=last_day,
        closure=closure,
        today=today,
    )
    if problems:
        raise ValidationError(problems)
    assert first_day is not None  # noqa: S101 (the problems say so otherwise)
    assert last_day is not None  # noqa: S101
    closure.name, closure.first_day, closure.last_day = name.strip(), first_day, last_day
    closure.full_clean()
    closure.save()
    return closure


def school_closure_create(
    *,
    actor: Any,
    school: School,
    name: str,
    first_day: datetime.date | None,
    last_day: datetime.date | None,
    today: datetime.date | None = None,
) -> SchoolClosure:
    """Record days the school is closed (the school administrator; `actor=None` for seeding)."""
    return _save_closure(
        actor=actor,
        school=school,
        closure=SchoolClosure(school=school),
        name=name,
        first_day=first_day,
        last_day=last_day,
        today=today,
    )


def school_closure_update(
    *,
    actor: Any,
    closure: SchoolClosure,
    name: str,
    first_day: datetime.date | None,
    last_day: datetime.date | None,
    today: datetime.date | None = None,
) -> SchoolClosure:
    """Change a closure's name or dates."""
    return _save_closure(
        actor=actor,
        school=closure.school,
        closure=closure,
        name=name,
        first_day=first_day,
        last_day=last_day,
        today=today,
    )


@transaction.atomic
def school_closure_remove(*, actor: Any, closure: SchoolClosure) -> None:
    """Remove a closure: its days count as school days again."""
    _require_manager(actor, closure.school)
    closure.delete()


def school_hours_problems(
    hours: dict[int, tuple[datetime.time, datetime.time]],
) -> dict[str, str]:
    """What is wrong with school hours as typed, as {field: plain-English message}."""
    problems = {
        f"closes_{n}": (
            f"On {SCHOOL_WEEKDAYS[n]} the school day ends before it starts: enter an end "
            f"later than {opens:%H:%M}"
        )
        for n, (opens, closes) in hours.items()
        if n in range(5) and closes <= opens
    }
    if set(hours) - set(range(5)):
        problems["__all__"] = "School hours are for Monday to Friday only"
    return problems


@transaction.atomic
def school_hours_set(
    *, actor: Any, school: School, hours: dict[int, tuple[datetime.time, datetime.time]]
) -> None:
    """Set when the school day starts and ends, Monday (0) to Friday (4)."""
    _require_manager(actor, school)
    problems = school_hours_problems(hours)
    if problems:
        raise ValidationError(problems)
    for n, (opens, closes) in hours.items():
        SchoolHours.objects.update_or_create(
            school=school, weekday=n, defaults={"opens": opens, "closes": closes}
        )
