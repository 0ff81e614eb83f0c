"""Reads of agencies, "who to call now", school key roles and pupils' family contacts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from safeguard.access import access_for, get_for_actor_or_404, get_or_404, scope
from safeguard.roles import ROLES, Perm
from schools.models import Pupil, School, SchoolMembership, TrustMembership

from .hours import Opening, OpeningState, opening_at, when_in_words
from .models import Agency, AgencyKind, FamilyContact, SchoolKeyContact

# The services "who to call now" lists, in this order, after the 999 guidance.
CALL_ORDER: list[str] = [
    AgencyKind.SOCIAL_CARE,
    AgencyKind.LADO,
    AgencyKind.POLICE,
    AgencyKind.NSPCC,
    AgencyKind.WHISTLEBLOWING,
]
# Shown in the concern form's immediate-danger panel.
DANGER_KINDS: list[str] = [AgencyKind.SOCIAL_CARE, AgencyKind.POLICE]

NOT_RECORDED = "not recorded: the trust must add it"


def _now() -> datetime.datetime:
    """The current moment (a seam, so tests can fix the clock of this page alone)."""
    return timezone.now()


def agencies_for_school(*, school: School) -> QuerySet[Agency]:
    """The trust's agencies for the school's local authority, and the national ones."""
    return (
        Agency.objects.filter(trust_id=school.trust_id)
        .filter(Q(local_authority__iexact=school.local_authority) | Q(local_authority=""))
        .select_related("out_of_hours")
        .order_by("position", "name")
    )


@dataclass(frozen=True)
class CallNow:
    """One service as a person needs it now: is it answering, and if not, who is."""

    agency: Agency
    state: OpeningState
    at: datetime.datetime

    @property
    def kind_label(self) -> str:
        return self.agency.get_kind_display()

    @property
    def answering(self) -> bool:
        return self.state.opening in (Opening.OPEN, Opening.ALWAYS)

    @property
    def alternative(self) -> Agency | None:
        return self.agency.out_of_hours

    @property
    def number(self) -> str:
        """The number to ring now ("" when none is recorded or the office is closed with no
        alternative; unknown hours give the office's own number, shown with the alternative)."""
        if self.state.opening == Opening.CLOSED:
            return self.alternative.phone if self.alternative else ""
        return self.agency.phone

    @property
    def status(self) -> str:
        """ "Open now until 17:00", "Closed now (Easter Monday): office opens Tuesday 08:30"."""
        state = self.state
        if state.opening == Opening.ALWAYS:
            return "Open now: answers 24 hours a day"
        if state.opening == Opening.OPEN:
            return f"Open now until {state.closes_at:%H:%M}"
        if state.opening == Opening.UNKNOWN:
            return "Office hours not recorded: the trust must add them"
        why = f" ({state.closed_for})" if state.closed_for else ""
        if state.opens_at is None:
            return f"Closed now{why}"
        return f"Closed now{why}: office opens {when_in_words(state.opens_at, now=self.at)}"

    @property
    def advice(self) -> str:
        """What to do, in one sentence a person can act on."""
        agency, alternative = self.agency, self.alternative
        if self.state.opening == Opening.CLOSED:
            if alternative is None:
                if agency.email:
                    return f"No out-of-hours number is recorded. Email {agency.email}."
                return "No out-of-hours alternative is recorded: the trust must add one."
            if not alternative.phone:
                return f"Contact {alternative.name} out of hours (telephone {NOT_RECORDED})."
            return f"Call the out-of-hours team on {alternative.phone} ({alternative.name})."
        if not agency.phone:
            return f"Telephone {NOT_RECORDED}."
        if self.state.opening == Opening.UNKNOWN and alternative and alternative.phone:
            return (
                f"In working hours call {agency.phone}; outside working hours call "
                f"{alternative.phone} ({alternative.name})."
            )
        return f"Call {agency.phone}."


@dataclass(frozen=True)
class WhoToCall:
    school: School
    at: datetime.datetime
    emergency: Agency | None
    calls: list[CallNow]
    others: list[Agency] = field(default_factory=list)

    def of_kind(self, *kinds: str) -> list[CallNow]:
        return [c for c in self.calls if c.agency.kind in kinds]


def who_to_call_now(
    *, school: School, at: datetime.datetime | None = None, kinds: list[str] | None = None
) -> WhoToCall:
    """For the school's local authority at the aware moment `at` (default now, London time):
    999 first, then each service in CALL_ORDER with the number answering now."""
    at = at or _now()
    if timezone.is_naive(at):
        raise ValueError("who_to_call_now needs an aware datetime")
    order = kinds or CALL_ORDER
    agencies = list(agencies_for_school(school=school))
    emergency = next((a for a in agencies if a.kind == AgencyKind.POLICE_EMERGENCY), None)
    calls = sorted(
        (CallNow(a, opening_at(a, at), at) for a in agencies if a.kind in order),
        key=lambda c: (
            order.index(c.agency.kind),
            # A school's own authority before a national service of the same kind.
            c.agency.local_authority == "",
            c.agency.position,
            c.agency.name,
        ),
    )
    shown = {c.agency.pk for c in calls} | {emergency.pk if emergency else None}
    alternatives = {c.agency.out_of_hours_id for c in calls}
    others = [a for a in agencies if a.pk not in shown and a.pk not in alternatives]
    return WhoToCall(school=school, at=at, emergency=emergency, calls=calls, others=others)


# Agencies, for the trust that keeps them ------------------------------------------------------


def agency_list_for(*, actor: Any) -> QuerySet[Agency]:
    """The agencies of the trusts where the actor keeps the contacts, never another trust's."""
    trust_ids = access_for(actor).trust_ids_with(Perm.MANAGE_CONTACTS)
    return (
        Agency.objects.filter(trust_id__in=trust_ids)
        .select_related("out_of_hours", "trust")
        .order_by("trust__name", "local_authority", "position", "name")
    )


def agency_get_for(*, actor: Any, pk: Any) -> Agency:
    """One agency the actor's trust keeps, or the same 404 as for a missing one."""
    return get_or_404(agency_list_for(actor=actor), pk=pk)


# School key roles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPerson:
    role: str
    name: str
    job_title: str = ""
    phone: str = ""
    email: str = ""
    notes: str = ""
    phone_is_school: bool = False  # the school's own number: the person has no direct line here
    contact: SchoolKeyContact | None = None  # set when the person is an editable key contact


KEY_MEMBERSHIP_ROLES = ["dsl", "deputy", "head", "governor"]


def is_member(actor: Any, school: School | int | None) -> bool:
    """Whether the actor holds any role in the school (directly or through its trust)."""
    return school is not None and bool(access_for(actor).perms_in(school))


def key_roles_for(*, actor: Any, school: School) -> list[KeyPerson]:
    """The school's safeguarding people, in the order staff need them (`003` section 3 and 6):
    DSL, deputies, headteacher, governors, the trust safeguarding officer, then other contacts."""
    if not is_member(actor, school):
        return []
    people: list[KeyPerson] = []
    memberships = (
        SchoolMembership.objects.filter(school=school, role__in=KEY_MEMBERSHIP_ROLES)
        .select_related("user")
        .filter(user__is_active=True)
    )
    by_role: dict[str, list[SchoolMembership]] = {}
    for m in memberships:
        by_role.setdefault(m.role, []).append(m)
    extra = list(SchoolKeyContact.objects.filter(school=school).order_by("role", "name"))
    for role in ["dsl", "deputy", "head"]:
        for m in sorted(by_role.get(role, []), key=lambda m: m.user.full_name):
            people.append(
                KeyPerson(
                    role=ROLES[role].label,
                    name=m.user.full_name,
                    job_title=m.user.job_title,
                    email=m.user.email,
                    phone=school.phone,
                    phone_is_school=True,
                )
            )
    for contact in [c for c in extra if c.role == "chair_of_governors"]:
        people.append(_from_contact(contact))
    for m in sorted(by_role.get("governor", []), key=lambda m: m.user.full_name):
        people.append(
            KeyPerson(
                role=ROLES["governor"].label,
                name=m.user.full_name,
                job_title=m.user.job_title,
                email=m.user.email,
            )
        )
    for contact in [c for c in extra if c.role == "safeguarding_governor"]:
        people.append(_from_contact(contact))
    tsos = TrustMembership.objects.filter(
        trust_id=school.trust_id, role="tso", user__is_active=True
    ).select_related("user")
    for tso in sorted(tsos, key=lambda t: t.user.full_name):
        people.append(
            KeyPerson(
                role=ROLES["tso"].label,
                name=tso.user.full_name,
                job_title=tso.user.job_title,
                email=tso.user.email,
            )
        )
    for contact in extra:
        if contact.role not in ("chair_of_governors", "safeguarding_governor"):
            people.append(_from_contact(contact))
    return people


def _from_contact(contact: SchoolKeyContact) -> KeyPerson:
    return KeyPerson(
        role=contact.role_label,
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        notes=contact.notes,
        contact=contact,
    )


def key_contact_list_for(*, actor: Any, school: School) -> QuerySet[SchoolKeyContact]:
    """The school's key contacts, for a member of that school; never another school's."""
    if not is_member(actor, school):
        return SchoolKeyContact.objects.none()
    return SchoolKeyContact.objects.filter(school=school)


def key_contact_get_for(*, actor: Any, pk: Any) -> SchoolKeyContact:
    """A key contact the actor may edit (the school administrator), else 404."""
    return get_for_actor_or_404(
        SchoolKeyContact.objects.select_related("school"),
        actor=actor,
        perm=Perm.MANAGE_STAFF,
        pk=pk,
    )


# Family contacts -------------------------------------------------------------------------------


def family_pupil_get_for(*, actor: Any, pk: Any) -> Pupil:
    """A pupil whose family contacts the actor may see, or the same 404 for every other reason."""
    return get_for_actor_or_404(
        Pupil.objects.select_related("school"), actor=actor, perm=Perm.VIEW_FAMILY_CONTACTS, pk=pk
    )


def family_contacts_for(*, actor: Any, pupil: Pupil) -> QuerySet[FamilyContact]:
    """The pupil's parents, carers and emergency contacts: emergency order first."""
    return scope(FamilyContact.objects.all(), actor=actor, perm=Perm.VIEW_FAMILY_CONTACTS).filter(
        pupil=pupil
    )


def family_contact_list_for(*, actor: Any, school: School) -> QuerySet[FamilyContact]:
    """Every family contact of one school the actor may see; never another school's."""
    return scope(FamilyContact.objects.all(), actor=actor, perm=Perm.VIEW_FAMILY_CONTACTS).filter(
        school=school
    )


def family_contact_get_for(*, actor: Any, pk: Any) -> FamilyContact:
    """A family contact the actor may see, else 404."""
    return get_for_actor_or_404(
        FamilyContact.objects.select_related("pupil", "school"),
        actor=actor,
        perm=Perm.VIEW_FAMILY_CONTACTS,
        pk=pk,
    )


def emergency_contact_count(contacts: list[FamilyContact]) -> int:
    return sum(1 for c in contacts if c.emergency_priority is not None and c.phone)
