"""Reads of agencies, "who to call now", school key roles and pupils' family contacts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from safeguard.access import access_for, get_for_actor_or_404, get_or_404, scope
from safeguard.roles import ROLES, Perm, RoleKey
from schools.models import Pupil, School, SchoolMembership, TrustMembership

from .hours import Opening, OpeningState, opening_at, when_in_words
from .models import Agency, AgencyKind, FamilyContact, FamilyContactChange, SchoolKeyContact

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
# What a person who does not keep the contacts is told when a detail is missing: the note for the
# trust is no help to a teacher in an emergency.
ASK = "ask the DSL or the trust safeguarding officer"

# Advice is built of parts, so the words are written once and shown as text or with tel: links.
Part = tuple[str, str]  # ("text", words) or ("tel", a telephone number)


def _text(*parts: Part) -> str:
    return "".join(value for _, value in parts)


def _html(*parts: Part) -> SafeString:
    out = []
    for kind, value in parts:
        if kind == "tel":
            tel = value.replace(" ", "")
            out.append(format_html('<a class="govuk-link" href="tel:{}">{}</a>', tel, value))
        else:
            out.append(conditional_escape(value))
    return mark_safe("".join(out))  # noqa: S308 (every part is escaped above)


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
    """One service as a person needs it now: is it answering, and if not, who is.

    `keeper` is set for someone who keeps the trust's contacts (Perm.MANAGE_CONTACTS): they are
    told what the trust must add; everyone else is told what to do instead.
    """

    agency: Agency
    state: OpeningState
    at: datetime.datetime
    keeper: bool = False

    @property
    def kind_label(self) -> str:
        return self.agency.get_kind_display()

    @property
    def name_if_other(self) -> str:
        """The agency's name, or "" when it only repeats what kind of service it is (the seeds'
        "Police: non-emergency" is both), so a line never reads "X (X)"."""
        same = self.agency.name.strip().casefold() == self.kind_label.strip().casefold()
        return "" if same else self.agency.name

    @property
    def answering(self) -> bool:
        return self.state.opening in (Opening.OPEN, Opening.ALWAYS)

    @property
    def closed(self) -> bool:
        return self.state.opening == Opening.CLOSED

    @property
    def alternative(self) -> Agency | None:
        return self.agency.out_of_hours

    @property
    def number(self) -> str:
        """The number to ring first now ("" when none is recorded)."""
        if self.closed:
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
            return "Probably open now (weekday working hours)"
        why = f" ({state.closed_for})" if state.closed_for else ""
        if state.opens_at is None:
            return f"Closed now{why}"
        return f"Closed now{why}: office opens {when_in_words(state.opens_at, now=self.at)}"

    def _missing(self, what: str, keeper_note: str) -> Part:
        return ("text", keeper_note if self.keeper else f"{what}: {ASK}.")

    def _advice_parts(self) -> list[Part]:
        """What to do, in one sentence a person can act on."""
        agency, alternative = self.agency, self.alternative
        if self.closed:
            if alternative is not None and alternative.phone:
                return [
                    ("text", "Call the out-of-hours team on "),
                    ("tel", alternative.phone),
                    ("text", f" ({alternative.name})."),
                ]
            if alternative is not None and alternative.email:
                return [("text", f"Email {alternative.name} at {alternative.email}.")]
            if agency.email:
                return [("text", f"No out-of-hours number is recorded. Email {agency.email}.")]
            if alternative is not None:
                return [
                    self._missing(
                        "No out-of-hours number is recorded",
                        f"Contact {alternative.name} out of hours (telephone {NOT_RECORDED}).",
                    )
                ]
            return [
                self._missing(
                    "No out-of-hours number is recorded",
                    "No out-of-hours alternative is recorded: the trust must add one.",
                )
            ]
        if not agency.phone:
            if agency.email:
                return [("text", f"Email {agency.email}.")]
            return [self._missing("No telephone number is recorded", f"Telephone {NOT_RECORDED}.")]
        if self.state.opening == Opening.UNKNOWN and alternative and alternative.phone:
            return [
                # "first" after the number: read aloud or copied, the number's link ends at a
                # word, never at a lone ";" ("Call 0345 603 7627 ; if ...").
                ("text", "Call "),
                ("tel", agency.phone),
                ("text", " first; if there is no answer, call "),
                ("tel", alternative.phone),
                ("text", f" ({alternative.name})."),
            ]
        return [("text", "Call "), ("tel", agency.phone), ("text", ".")]

    @property
    def advice(self) -> str:
        return _text(*self._advice_parts())

    @property
    def advice_html(self) -> SafeString:
        """The advice with each number as a tel: link."""
        return _html(*self._advice_parts())

    @property
    def keeper_notes(self) -> list[str]:
        """What the trust must add, for the person who keeps its contacts (else nothing)."""
        if not self.keeper:
            return []
        agency, notes = self.agency, []
        if not agency.hours_recorded:
            notes.append(
                "Office hours not recorded: the trust must add them. Until then the office is "
                "taken as closed outside Monday to Friday 08:00 to 18:00 and on bank holidays."
            )
        if not agency.phone:
            notes.append(f"Telephone {NOT_RECORDED}.")
        if not agency.open_all_hours and agency.out_of_hours is None:
            notes.append("No out-of-hours alternative is recorded: the trust must add one.")
        return notes


@dataclass(frozen=True)
class WhoToCall:
    school: School
    at: datetime.datetime
    emergency: Agency | None
    calls: list[CallNow]
    others: list[Agency] = field(default_factory=list)
    keeper: bool = False

    def of_kind(self, *kinds: str) -> list[CallNow]:
        return [c for c in self.calls if c.agency.kind in kinds]


def who_to_call_now(
    *,
    school: School,
    at: datetime.datetime | None = None,
    kinds: list[str] | None = None,
    keeper: bool = False,
) -> WhoToCall:
    """For the school's local authority at the aware moment `at` (default now, London time):
    999 first, then each service in CALL_ORDER with the number answering now. `keeper`: the
    reader keeps the trust's contacts, so is told what is missing (see `CallNow`)."""
    at = at or _now()
    if timezone.is_naive(at):
        raise ValueError("who_to_call_now needs an aware datetime")
    order = kinds or CALL_ORDER
    agencies = list(agencies_for_school(school=school))
    emergency = next((a for a in agencies if a.kind == AgencyKind.POLICE_EMERGENCY), None)
    calls = sorted(
        (CallNow(a, opening_at(a, at), at, keeper) for a in agencies if a.kind in order),
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
    return WhoToCall(
        school=school, at=at, emergency=emergency, calls=calls, others=others, keeper=keeper
    )


def keeps_contacts(actor: Any, school: School) -> bool:
    """Whether the actor keeps the agencies of the school's trust (the TSO)."""
    return school.trust_id in access_for(actor).trust_ids_with(Perm.MANAGE_CONTACTS)


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


KEY_MEMBERSHIP_ROLES = [RoleKey.DSL, RoleKey.DEPUTY, RoleKey.HEAD, RoleKey.GOVERNOR]


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
    for role in [RoleKey.DSL, RoleKey.DEPUTY, RoleKey.HEAD]:
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
    for m in sorted(by_role.get(RoleKey.GOVERNOR, []), key=lambda m: m.user.full_name):
        people.append(
            KeyPerson(
                role=ROLES[RoleKey.GOVERNOR].label,
                name=m.user.full_name,
                job_title=m.user.job_title,
                email=m.user.email,
            )
        )
    for contact in [c for c in extra if c.role == "safeguarding_governor"]:
        people.append(_from_contact(contact))
    tsos = TrustMembership.objects.filter(
        trust_id=school.trust_id, role=RoleKey.TSO, user__is_active=True
    ).select_related("user")
    for tso in sorted(tsos, key=lambda t: t.user.full_name):
        people.append(
            KeyPerson(
                role=ROLES[RoleKey.TSO].label,
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
    """A pupil whose family contacts the actor may see.

    404 for a pupil the actor may not see at all (another school's, or none); 403 for a pupil of
    their school whose page they may see (VIEW_PUPILS) but whose family contacts they may not.
    """
    pupils = Pupil.objects.select_related("school")
    try:
        return get_for_actor_or_404(pupils, actor=actor, perm=Perm.VIEW_FAMILY_CONTACTS, pk=pk)
    except Http404:
        get_for_actor_or_404(pupils, actor=actor, perm=Perm.VIEW_PUPILS, pk=pk)
        raise PermissionDenied from None


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


def family_contact_history_for(*, actor: Any, pupil: Pupil) -> QuerySet[FamilyContactChange]:
    """Who changed the pupil's family contacts and when, newest first, for those who see them."""
    return scope(
        FamilyContactChange.objects.all(), actor=actor, perm=Perm.VIEW_FAMILY_CONTACTS
    ).filter(pupil=pupil)


def emergency_contact_count(contacts: list[FamilyContact]) -> int:
    return sum(1 for c in contacts if c.emergency_priority is not None and c.phone)
