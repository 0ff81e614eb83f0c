"""Writes to agencies, school key contacts and pupils' family contacts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import Pupil, School, Trust

from .models import (
    Agency,
    FamilyContact,
    FamilyContactChange,
    FamilyContactChangeKind,
    SchoolKeyContact,
)

SEED_FILE = Path(__file__).resolve().parent / "seed" / "agencies.json"

AGENCY_FIELDS = [
    "local_authority",
    "kind",
    "name",
    "phone",
    "email",
    "web_address",
    "hours",
    "open_all_hours",
    "closed_on_bank_holidays",
    "out_of_hours",
    "guidance",
    "source",
    "to_confirm",
]
KEY_CONTACT_FIELDS = ["role", "role_other", "name", "phone", "email", "notes"]
FAMILY_CONTACT_FIELDS = [
    "name",
    "relationship",
    "relationship_other",
    "parental_responsibility",
    "lives_with_pupil",
    "emergency_priority",
    "phone",
    "phone_other",
    "email",
    "address",
    "restrictions",
    "notes",
]
# Kept in the history with their old and new values: they decide who may collect or be told.
FAMILY_CONTACT_KEPT_VALUES = ["restrictions", "parental_responsibility"]


def seed_agencies() -> list[dict[str, Any]]:
    """The agencies of the seed documents (contacts/seed/agencies.json)."""
    return json.loads(SEED_FILE.read_text(encoding="utf-8"))["agencies"]


@transaction.atomic
def agency_seed_defaults(*, trust: Trust) -> int:
    """Load the seed agencies for the trust's schools' local authorities and the national services.

    Idempotent, and it never overwrites what the trust has edited: an agency already there (same
    local authority and name) is left as it is. An agency still called by one of the row's
    `former_names` (an earlier seed's name the trust never changed) takes the new name and
    nothing else, unless the trust already has an agency of the new name there. Returns how many
    agencies were created.
    """
    authorities = {
        la.casefold(): la
        for la in School.objects.filter(trust=trust).values_list("local_authority", flat=True)
    }
    wanted = [
        row
        for row in seed_agencies()
        if not row["local_authority"] or row["local_authority"].casefold() in authorities
    ]
    by_key: dict[tuple[str, str], Agency] = {}
    created: list[tuple[str, str]] = []
    for row in wanted:
        key = (row["local_authority"].casefold(), row["name"])
        la = authorities.get(key[0], "")
        here = Agency.objects.filter(trust=trust, local_authority__iexact=la)
        agency = here.filter(name=row["name"]).first()
        if agency is None and row.get("former_names"):
            agency = here.filter(name__in=row["former_names"]).order_by("pk").first()
            if agency is not None:
                agency.name = row["name"]
                agency.save(update_fields=["name", "updated_at"])
        if agency is None:
            values = {k: v for k, v in row.items() if k in AGENCY_FIELDS and k != "out_of_hours"}
            agency = Agency(
                trust=trust, **{**values, "local_authority": la}, position=row.get("position", 0)
            )
            agency.full_clean()
            agency.save()
            created.append(key)
        by_key[key] = agency
    # Link the out-of-hours alternatives of the agencies created now; an agency the trust already
    # keeps keeps the link the trust chose (or removed).
    for key in created:
        row = next(r for r in wanted if (r["local_authority"].casefold(), r["name"]) == key)
        alternative = by_key.get((key[0], row.get("out_of_hours") or ""))
        if alternative is not None:
            agency = by_key[key]
            agency.out_of_hours = alternative
            agency.save(update_fields=["out_of_hours", "updated_at"])
    return len(created)


def _require_trust(actor: Any, trust_id: int) -> None:
    if trust_id not in access_for(actor).trust_ids_with(Perm.MANAGE_CONTACTS):
        raise Http404("No such record.")


OPEN_ALL_HOURS_WITH_HOURS = "Clear the office hours, or untick 'Answers 24 hours a day'"


def out_of_hours_problem(local_authority: str, alternative: Agency) -> str:
    """Why `alternative` cannot answer out of hours for an agency of `local_authority` ("" if it
    can): it must be of the same local authority, or a national service."""
    if not alternative.local_authority:
        return ""
    if alternative.local_authority.casefold() == (local_authority or "").casefold():
        return ""
    where = f"{local_authority}'s" if local_authority else "a national service's"
    return (
        f"{alternative.name} is in {alternative.local_authority}: choose {where} own "
        "out-of-hours service, or a national service"
    )


def _clean_agency(agency: Agency) -> None:
    problems: dict[str, list[str]] = {}
    if agency.out_of_hours_id is not None:
        alternative = agency.out_of_hours
        if alternative is None or alternative.trust_id != agency.trust_id:
            problems["out_of_hours"] = ["Choose an agency of your trust"]
        elif agency.pk is not None and alternative.pk == agency.pk:
            problems["out_of_hours"] = ["An agency cannot be its own out-of-hours alternative"]
        elif problem := out_of_hours_problem(agency.local_authority, alternative):
            problems["out_of_hours"] = [problem]
    if agency.open_all_hours and agency.hours:
        problems["open_all_hours"] = [OPEN_ALL_HOURS_WITH_HOURS]
    try:
        agency.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field == "__all__" and any("already exists" in m for m in messages):
                problems.setdefault("name", []).append(
                    "Your trust already has an agency with this name for this local authority"
                )
            else:
                problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def agency_create(*, actor: Any, trust: Trust, **values: Any) -> Agency:
    """A new agency of the actor's trust."""
    _require_trust(actor, trust.pk)
    agency = Agency(trust=trust, **{k: v for k, v in values.items() if k in AGENCY_FIELDS})
    _clean_agency(agency)
    agency.save()
    return agency


@transaction.atomic
def agency_update(*, actor: Any, agency: Agency, **values: Any) -> Agency:
    """Change an agency's details (only the trust that keeps it)."""
    _require_trust(actor, agency.trust_id)
    for field, value in values.items():
        if field in AGENCY_FIELDS:
            setattr(agency, field, value)
    _clean_agency(agency)
    agency.save()
    return agency


# School key contacts ---------------------------------------------------------------------------


def _require_school(actor: Any, perm: Perm, school_id: int) -> None:
    if not access_for(actor).has(perm, school_id):
        raise Http404("No such record.")


@transaction.atomic
def key_contact_create(*, actor: Any, school: School, **values: Any) -> SchoolKeyContact:
    """A key safeguarding contact of the school (kept by the school administrator)."""
    _require_school(actor, Perm.MANAGE_STAFF, school.pk)
    contact = SchoolKeyContact(
        school=school, **{k: v for k, v in values.items() if k in KEY_CONTACT_FIELDS}
    )
    _clean_key_contact(contact)
    contact.save()
    return contact


@transaction.atomic
def key_contact_update(*, actor: Any, contact: SchoolKeyContact, **values: Any) -> SchoolKeyContact:
    _require_school(actor, Perm.MANAGE_STAFF, contact.school_id)
    for field, value in values.items():
        if field in KEY_CONTACT_FIELDS:
            setattr(contact, field, value)
    _clean_key_contact(contact)
    contact.save()
    return contact


@transaction.atomic
def key_contact_remove(*, actor: Any, contact: SchoolKeyContact) -> None:
    _require_school(actor, Perm.MANAGE_STAFF, contact.school_id)
    contact.delete()


def _clean_key_contact(contact: SchoolKeyContact) -> None:
    problems: dict[str, list[str]] = {}
    if contact.role == "other" and not contact.role_other.strip():
        problems["role_other"] = ["Enter the role"]
    if not contact.phone and not contact.email:
        problems["phone"] = ["Enter a telephone number or an email address"]
    try:
        contact.full_clean()
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            problems.setdefault(field, []).extend(messages)
    if problems:
        raise ValidationError(problems)


# Family contacts -------------------------------------------------------------------------------


def can_edit_family_contacts(actor: Any, school_id: int) -> bool:
    """The administrator (pupil roll) and the DSL and deputies keep a pupil's family contacts."""
    access = access_for(actor)
    return access.has(Perm.MANAGE_PUPIL_ROLL, school_id) or access.has(
        Perm.MANAGE_CP_RECORDS, school_id
    )


def _require_family_editor(actor: Any, school_id: int) -> None:
    if not can_edit_family_contacts(actor, school_id):
        raise Http404("No such record.")


def _clean_family_contact(contact: FamilyContact) -> None:
    problems: dict[str, list[str]] = {}
    if contact.relationship == "other" and not contact.relationship_other.strip():
        problems["relationship_other"] = ["Enter the relationship to the pupil"]
    if contact.emergency_priority is not None:
        if not contact.phone:
            problems["phone"] = ["An emergency contact needs a main telephone number"]
        taken = (
            FamilyContact.objects.filter(
                pupil_id=contact.pupil_id, emergency_priority=contact.emergency_priority
            )
            .exclude(pk=contact.pk)
            .first()
        )
        if taken is not None:
            problems["emergency_priority"] = [
                f"{taken.name} is already emergency contact {contact.emergency_priority}: "
                "choose another number"
            ]
    try:
        contact.full_clean()
    except ValidationError as error:
        for field, errors in error.error_dict.items():
            for problem in errors:
                if problem.code == "emergency_priority_taken":
                    # The constraint's own check belongs by the field; the check above has
                    # already put it there, naming who has the number.
                    problems.setdefault("emergency_priority", problem.messages)
                else:
                    problems.setdefault(field, []).extend(problem.messages)
    if problems:
        raise ValidationError(problems)


def _one_line_ending(value: Any) -> Any:
    """Text with "\n" line endings: a browser sends a textarea's lines with "\r\n", the seeds and
    imports use "\n", and the same address must read as the same address."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def _family_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _one_line_ending(v) for k, v in values.items() if k in FAMILY_CONTACT_FIELDS}


def _shown(field: str, value: Any) -> str:
    if field == "parental_responsibility":
        return "Yes" if value else "No"
    return str(value or "")


def _record_change(
    *,
    actor: Any,
    contact: FamilyContact,
    kind: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> FamilyContactChange | None:
    """Append one row to the pupil's family-contact history (nothing when nothing changed)."""
    change = _change_row(actor=actor, contact=contact, kind=kind, before=before, after=after)
    if change is not None:
        change.full_clean()
        change.save()
    return change


def _change_row(
    *,
    actor: Any,
    contact: FamilyContact,
    kind: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> FamilyContactChange | None:
    """The history row of one change, not yet saved (None when nothing changed)."""
    before, after = before or {}, after or {}
    # A row stored before line endings were made one ("\r\n") has not changed if only they differ.
    changed = [
        f
        for f in FAMILY_CONTACT_FIELDS
        if _one_line_ending(before.get(f)) != _one_line_ending(after.get(f))
    ]
    if kind == FamilyContactChangeKind.CHANGED and not changed:
        return None
    labels = {f.name: str(f.verbose_name) for f in FamilyContact._meta.concrete_fields}
    values = [
        {
            "field": labels[f].capitalize(),
            "old": _shown(f, before.get(f)) if before else "",
            "new": _shown(f, after.get(f)) if after else "",
        }
        for f in FAMILY_CONTACT_KEPT_VALUES
        if kind == FamilyContactChangeKind.REMOVED or f in changed
    ]
    if kind == FamilyContactChangeKind.ADDED:
        values = [v for v in values if v["new"] not in ("", "No")]
    elif kind == FamilyContactChangeKind.REMOVED:
        values = [v for v in values if v["old"]]
    also = []
    if kind == FamilyContactChangeKind.CHANGED:
        also = [labels[f].capitalize() for f in changed if f not in FAMILY_CONTACT_KEPT_VALUES]
    return FamilyContactChange(
        school_id=contact.school_id,
        pupil_id=contact.pupil_id,
        contact_id=contact.pk,
        contact_name=(after or before).get("name") or contact.name,
        kind=kind,
        changed_by=actor,
        changed_by_name=actor.full_name or actor.email,
        values=values,
        also_changed=also,
    )


def _snapshot(contact: FamilyContact) -> dict[str, Any]:
    return {f: getattr(contact, f) for f in FAMILY_CONTACT_FIELDS}


@transaction.atomic
def family_contact_create(*, actor: Any, pupil: Pupil, **values: Any) -> FamilyContact:
    """A parent, carer or emergency contact of the pupil, in the pupil's school."""
    _require_family_editor(actor, pupil.school_id)
    # Lock the pupil so two people adding "emergency contact 1" at once cannot both succeed.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    contact = FamilyContact(school_id=pupil.school_id, pupil=pupil, **_family_values(values))
    _clean_family_contact(contact)
    contact.save()
    _record_change(
        actor=actor,
        contact=contact,
        kind=FamilyContactChangeKind.ADDED,
        before=None,
        after=_snapshot(contact),
    )
    return contact


def family_contacts_import(
    *, actor: Any, school: School, contacts: list[tuple[Pupil, dict[str, Any]]], source: str
) -> int:
    """Family contacts read from a file the school imported (a joiner's Common Transfer File),
    each with the history row "added" by the person who applied it; returns how many.

    For pupils who have just joined: the caller holds the school's lock and wrote the pupils in
    the same transaction, so no contact of theirs can exist yet (no emergency order is taken).
    `source` says where the details came from, in the notes, for the school to check them."""
    _require_family_editor(actor, school.pk)
    written: list[FamilyContact] = []
    for pupil, values in contacts:
        if pupil.school_id != school.pk:
            raise Http404("No such record.")
        notes = "\n".join([source, *values.get("unread", [])])
        contact = FamilyContact(
            school_id=school.pk, pupil=pupil, **_family_values({**values, "notes": notes})
        )
        # Each field's own checks; the emergency order's uniqueness was kept by the reader.
        contact.full_clean(exclude=["school", "pupil"], validate_constraints=False)
        written.append(contact)
    FamilyContact.objects.bulk_create(written, batch_size=500)
    changes = [
        _change_row(
            actor=actor,
            contact=contact,
            kind=FamilyContactChangeKind.ADDED,
            before=None,
            after=_snapshot(contact),
        )
        for contact in written
    ]
    FamilyContactChange.objects.bulk_create([c for c in changes if c is not None], batch_size=500)
    return len(written)


@transaction.atomic
def family_contact_update(*, actor: Any, contact: FamilyContact, **values: Any) -> FamilyContact:
    _require_family_editor(actor, contact.school_id)
    Pupil.objects.select_for_update().filter(pk=contact.pupil_id).first()
    # As stored, not as the caller's instance may already have been changed.
    before = _snapshot(FamilyContact.objects.get(pk=contact.pk))
    for field, value in _family_values(values).items():
        setattr(contact, field, value)
    _clean_family_contact(contact)
    contact.save()
    _record_change(
        actor=actor,
        contact=contact,
        kind=FamilyContactChangeKind.CHANGED,
        before=before,
        after=_snapshot(contact),
    )
    return contact


@transaction.atomic
def family_contact_remove(*, actor: Any, contact: FamilyContact) -> None:
    """Remove a contact; the history keeps who removed whom, and their restrictions."""
    _require_family_editor(actor, contact.school_id)
    _record_change(
        actor=actor,
        contact=contact,
        kind=FamilyContactChangeKind.REMOVED,
        before=_snapshot(contact),
        after=None,
    )
    contact.delete()
