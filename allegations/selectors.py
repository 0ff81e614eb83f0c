"""Reads of allegations and low-level concerns: the one place that decides who sees them.

Who sees an allegation of a school (`allegation_visible_q`):
- the people who hold `MANAGE_ALLEGATIONS` there: the headteacher, and the trust safeguarding
  officer (TSO) of its trust;
- the people named on it (a deputy head, the chair of governors), while they still hold a role
  in the school or its trust;
- but never, whatever else they hold, anyone with the head role in the school when it is about the
  headteacher (`003` section 11: that goes to the chair of governors), and never the adult it is
  about when they have an account.

Low-level concerns follow the same rule without named people (`low_level_visible_q`).

Who reads an allegation reads its adult-facing parts; the pupils involved (linked, or named in
words) only if they see the school's pupils (`allegation_pupils_for`): a governor named on one,
who sees no child's name anywhere in the product, does not (docs/adr/0032).

Everyone else, DSLs and deputies included, gets the same 404 as for a record that does not exist;
no list, count, pupil page or chronology of theirs reads these tables.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Max, Q, QuerySet, Value, When
from django.utils import timezone

from contacts.models import KeyContactRole, SchoolKeyContact
from contacts.selectors import key_contact_list_for
from safeguard.access import access_for, get_or_404
from safeguard.roles import Perm, RoleKey
from schools.models import School, SchoolMembership, User

from .models import Allegation, LowLevelConcern, NamedPerson, SubjectType

# Only the navigation link depends on it (never access), so a minute's staleness is harmless.
NAMED_CACHE_SECONDS = 60


def _nobody() -> Q:
    return Q(pk__in=[])


def _not_for_the_head_or_subject(actor: Any) -> Q:
    """Hide what is about the headteacher from the head role, and anything from its subject."""
    head_of = SchoolMembership.objects.filter(user_id=actor.pk, role=RoleKey.HEAD).values(
        "school_id"
    )
    return ~Q(subject_type=SubjectType.HEADTEACHER, school_id__in=head_of) & ~Q(
        subject_user_id=actor.pk
    )


def allegation_visible_q(actor: Any) -> Q:
    """The allegations the actor may see and act on (see the module docstring)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _nobody()
    access = access_for(actor)
    handled = Q(school_id__in=access.schools_with(Perm.MANAGE_ALLEGATIONS))
    named = Q(
        pk__in=NamedPerson.objects.filter(
            user_id=actor.pk, school_id__in=access.school_ids()
        ).values("allegation_id")
    )
    return (handled | named) & _not_for_the_head_or_subject(actor)


def low_level_visible_q(actor: Any) -> Q:
    """The low-level concerns the actor may see: handlers of the school, as for allegations."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return _nobody()
    handled = Q(school_id__in=access_for(actor).schools_with(Perm.MANAGE_ALLEGATIONS))
    return handled & _not_for_the_head_or_subject(actor)


def can_record_in(*, actor: Any, school: School | None) -> bool:
    """The headteacher and the TSO record allegations and low-level concerns in the school."""
    return school is not None and access_for(actor).has(Perm.MANAGE_ALLEGATIONS, school)


def _named_cache_key(school_id: int, user_id: Any) -> str:
    return f"allegations:named:school-{school_id}:user-{user_id}"


def is_named_in(*, actor: Any, school: School | None) -> bool:
    """Whether the actor is named on an allegation of the school they can see (cached briefly,
    because the navigation asks on every page)."""
    if school is None or not getattr(actor, "is_authenticated", False):
        return False
    key = _named_cache_key(school.pk, actor.pk)
    cached = cache.get(key)
    if cached is None:
        cached = Allegation.objects.filter(
            allegation_visible_q(actor), school=school, named_people__user_id=actor.pk
        ).exists()
        cache.set(key, cached, NAMED_CACHE_SECONDS)
    return bool(cached)


def forget_named(*, school_id: int, user_id: Any) -> None:
    cache.delete(_named_cache_key(school_id, user_id))


def sees_allegations_in(*, actor: Any, school: School | None) -> bool:
    """The allegations list is open to handlers of the school and people named on one there."""
    return can_record_in(actor=actor, school=school) or is_named_in(actor=actor, school=school)


# --- Allegations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AllegationLists:
    open: list[Allegation]
    closed: list[Allegation]


def allegation_list_for(*, actor: Any, school: School) -> AllegationLists:
    """Open allegations, overdue LADO contact first then by deadline; closed ones, newest first."""
    now = timezone.now()
    rows = (
        Allegation.objects.filter(allegation_visible_q(actor), school=school)
        .annotate(
            urgency=Case(
                When(
                    closed_at__isnull=True,
                    lado_contacted_at__isnull=True,
                    lado_due_at__lt=now,
                    then=Value(0),
                ),
                When(closed_at__isnull=True, lado_contacted_at__isnull=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("urgency", "lado_due_at", F("closed_at").desc(nulls_first=True))
    )
    allegations = list(rows)
    return AllegationLists(
        open=[a for a in allegations if a.is_open],
        closed=sorted(
            (a for a in allegations if not a.is_open),
            key=lambda a: a.closed_at or now,
            reverse=True,
        ),
    )


def allegation_get_for(*, actor: Any, pk: Any) -> Allegation:
    """One allegation the actor may see; missing, other-school and forbidden all give one 404."""
    return get_or_404(
        Allegation.objects.select_related("school", "created_by", "closed_by", "subject_user")
        .prefetch_related("steps", "named_people__user")
        .filter(allegation_visible_q(actor)),
        pk=pk,
    )


@dataclass(frozen=True)
class PupilsInvolved:
    """The pupils of an allegation as the actor may see them: none, unless they see the
    school's pupils (`visible`)."""

    visible: bool
    words: str  # as the handler wrote them ("pupils involved")
    pupils: list[Any]  # linked from the roll


def allegation_pupils_for(*, actor: Any, allegation: Allegation) -> PupilsInvolved:
    """The pupils involved in an allegation the actor reads (the caller has checked that)."""
    if not access_for(actor).has(Perm.VIEW_PUPILS, allegation.school_id):
        return PupilsInvolved(False, "", [])
    links = allegation.pupils.select_related("pupil")
    return PupilsInvolved(True, allegation.pupils_involved, [link.pupil for link in links])


def allegation_is_visible_to(*, actor: Any, allegation: Allegation) -> bool:
    return Allegation.objects.filter(allegation_visible_q(actor), pk=allegation.pk).exists()


def _staff_of(school: School) -> QuerySet[User]:
    return User.objects.filter(
        Q(school_memberships__school=school)
        | Q(trust_memberships__trust_id=school.trust_id, trust_memberships__role=RoleKey.TSO),
        is_active=True,
    ).distinct()


def nameable_people_for(*, allegation: Allegation) -> list[User]:
    """Who can be named: people with a role in the school and the trust's TSOs, except the adult
    it is about, anyone already named, and (about the headteacher) anyone with the head role."""
    people = _staff_of(allegation.school).exclude(pk__in=allegation.named_people.values("user_id"))
    if allegation.subject_user_id:
        people = people.exclude(pk=allegation.subject_user_id)
    if allegation.about_headteacher:
        people = people.exclude(
            school_memberships__school=allegation.school, school_memberships__role=RoleKey.HEAD
        )
    return list(people.order_by("full_name"))


def subjects_for(*, school: School) -> list[User]:
    """Whose account an allegation or low-level concern of the school can be about: the people
    with a role in the school and the trust's safeguarding officers (who would otherwise handle
    it), so that whoever it is about never reads it and it goes to someone else."""
    return list(_staff_of(school).order_by("full_name"))


def school_people_for(*, school: School) -> list[User]:
    """People with an account at the school (the adult an allegation is about may be one)."""
    return list(
        User.objects.filter(school_memberships__school=school, is_active=True)
        .distinct()
        .order_by("full_name")
    )


def governors_for(*, school: School) -> list[User]:
    """The school's governors with an account: whom a report about the headteacher can also be
    sent to in the product (the chair of governors may have no account: `chairs_for`)."""
    return list(
        User.objects.filter(
            school_memberships__school=school,
            school_memberships__role=RoleKey.GOVERNOR,
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )


def chairs_for(*, actor: Any, school: School) -> list[SchoolKeyContact]:
    """The chair of governors as the school's key roles page names them, with their contact
    details: `003` section 11 sends a concern about the headteacher to them, and they may have
    no account here, so the reporter tells them directly."""
    return list(
        key_contact_list_for(actor=actor, school=school)
        .filter(role=KeyContactRole.CHAIR_OF_GOVERNORS)
        .order_by("name")
    )


def chair_user_ids(*, chairs: list[SchoolKeyContact], people: list[User]) -> set[Any]:
    """Which of these accounts belong to the chair of governors (same email address)."""
    emails = {c.email.strip().lower() for c in chairs if c.email.strip()}
    return {p.pk for p in people if p.email.strip().lower() in emails}


def handlers_for(
    *, school: School, about_headteacher: bool, subject_user_id: Any = None
) -> list[User]:
    """Who is told of a new report: the headteacher (unless it is about the headteacher) and the
    trust's safeguarding officers; never the adult it is about, whatever their role."""
    q = Q(trust_memberships__trust_id=school.trust_id, trust_memberships__role=RoleKey.TSO)
    if not about_headteacher:
        q |= Q(school_memberships__school=school, school_memberships__role=RoleKey.HEAD)
    people = User.objects.filter(q, is_active=True)
    if subject_user_id is not None:
        people = people.exclude(pk=subject_user_id)
    return list(people.distinct().order_by("full_name"))


@dataclass(frozen=True)
class ReportRoute:
    """Where a member of staff's report went, in roles (their confirmation says so)."""

    head: bool
    tso: bool


def report_route_for(
    *, school: School, about_headteacher: bool, subject_user_id: Any = None
) -> ReportRoute:
    """Whether a report went to the headteacher, and to a trust safeguarding officer."""
    ids = [
        u.pk
        for u in handlers_for(
            school=school, about_headteacher=about_headteacher, subject_user_id=subject_user_id
        )
    ]
    tso = User.objects.filter(
        pk__in=ids, trust_memberships__trust_id=school.trust_id, trust_memberships__role=RoleKey.TSO
    ).exists()
    head = (
        not about_headteacher
        and SchoolMembership.objects.filter(
            school=school, role=RoleKey.HEAD, user_id__in=ids
        ).exists()
    )
    return ReportRoute(head=head, tso=tso)


# --- Low-level concerns --------------------------------------------------------------------------


def low_level_list_for(*, actor: Any, school: School) -> QuerySet[LowLevelConcern]:
    """The school's low-level concerns the actor may see, newest first."""
    return (
        LowLevelConcern.objects.filter(low_level_visible_q(actor), school=school)
        .select_related("escalated_to")
        .order_by("-reported_at")
    )


@dataclass(frozen=True)
class Pattern:
    subject_key: str
    name: str
    count: int
    last_reported_at: datetime.datetime
    escalated: int


def low_level_patterns_for(*, actor: Any, school: School) -> list[Pattern]:
    """How many low-level concerns each named adult has, most first (one query)."""
    rows = (
        LowLevelConcern.objects.filter(low_level_visible_q(actor), school=school)
        .values("subject_key")
        .annotate(
            name=Max("subject_name"),
            count=Count("pk"),
            last=Max("reported_at"),
            escalated=Count("pk", filter=Q(escalated_to__isnull=False)),
        )
        .order_by("-count", "-last")
    )
    return [
        Pattern(r["subject_key"], r["name"], r["count"], r["last"], r["escalated"]) for r in rows
    ]


def low_level_get_for(*, actor: Any, pk: Any) -> LowLevelConcern:
    return get_or_404(
        LowLevelConcern.objects.select_related(
            "school", "created_by", "responded_by", "escalated_to"
        ).filter(low_level_visible_q(actor)),
        pk=pk,
    )


def low_level_same_adult(*, actor: Any, concern: LowLevelConcern) -> list[LowLevelConcern]:
    """The other low-level concerns about the same adult in the school."""
    return list(
        LowLevelConcern.objects.filter(
            low_level_visible_q(actor), school_id=concern.school_id, subject_key=concern.subject_key
        )
        .exclude(pk=concern.pk)
        .order_by("-reported_at")
    )
