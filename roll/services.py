"""Writes to the pupil roll by hand: a pupil added, their details changed, a leaver, a leaving
undone; and the DSL told when a pupil with safeguarding records leaves (docs/adr/0022).

Nothing about a pupil is ever deleted: there is no delete here, and leaving keeps every record.
The school administrator and the DSL keep the roll (`Perm.MANAGE_PUPIL_ROLL`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm
from schools.characteristics import ethnicity_problem
from schools.models import Pupil, School, YearGroup, search_key
from schools.selectors import safeguarding_leads
from transfers.models import Transfer, TransferState
from transfers.services import transfer_deadline

from . import rules
from .selectors import pupil_duplicates_for, pupils_with_safeguarding_records

# What a person keeps on the roll by hand (the form's fields, and what `pupil_add` and
# `pupil_update` take). Leaving is its own step (`pupil_leave`).
ROLL_FIELDS = (
    "legal_first_name",
    "legal_middle_names",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "date_of_birth",
    "upn",
    "admission_number",
    "year_group",
    "registration_group",
    "joined_on",
    "gender",
    "ethnicity",
    "sen_provision",
    "fsm_eligible",
    "pupil_premium",
    "looked_after",
)
NAME_FIELDS = (
    "legal_first_name",
    "legal_middle_names",
    "legal_last_name",
    "preferred_first_name",
    "preferred_last_name",
    "registration_group",
    "admission_number",
)
DIFFERENT_CHILD = (
    "tick 'I have checked: this is a different child' if you are sure they are not the same child"
)
DESTINATION_LENGTH = 200  # Pupil.leaving_destination


def can_keep_roll(actor: Any, school: School | int) -> bool:
    """Whether the actor keeps this school's roll (the administrator and the DSL)."""
    return access_for(actor).has(Perm.MANAGE_PUPIL_ROLL, school)


def _require_roll_keeper(actor: Any, school: School | int) -> None:
    if not can_keep_roll(actor, school):
        raise PermissionDenied("Only the school administrator and the DSL keep the pupil roll.")


def _lock_roll(school: School | int) -> None:
    """Take the school's roll lock (its row), as a roll import's apply does: a hand change waits
    for an import being applied, and an import applied after it sees it and refuses a preview
    made before it. Without it, an apply could overwrite an edit saved between its check and
    its writes, or fail on a pupil added meanwhile with a joiner's UPN."""
    School.objects.select_for_update().only("pk").get(pk=getattr(school, "pk", school))


def _today() -> datetime.date:
    return timezone.localdate()


def _tidy(fields: dict[str, Any]) -> dict[str, Any]:
    """Typed text as it is kept: trimmed, a UPN and an ethnicity code in capitals."""
    tidy = dict(fields)
    for name in NAME_FIELDS:
        if isinstance(tidy.get(name), str):
            tidy[name] = " ".join(tidy[name].split())
    for name in ("upn", "ethnicity"):
        if isinstance(tidy.get(name), str):
            tidy[name] = tidy[name].strip().upper()
    return tidy


def pupil_problems(
    *,
    school: School,
    fields: dict[str, Any],
    pupil: Pupil | None = None,
    different_child: bool = False,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with a pupil's details as typed, as {field: plain-English message}: the
    shared rules (roll/rules.py) and the duplicates on this school's roll."""
    today = today or _today()
    data = _tidy(fields)
    problems: dict[str, str] = {}
    for name, label in (
        ("legal_first_name", "Enter the pupil's legal first name"),
        ("legal_last_name", "Enter the pupil's legal last name"),
    ):
        if not data.get(name):
            problems[name] = label
    if data.get("year_group") not in YearGroup.values:
        problems["year_group"] = "Choose the pupil's year group"
    dob = data.get("date_of_birth")
    dob_problem = rules.date_of_birth_problem(
        dob, year_group=data.get("year_group") or "", today=today
    )
    if dob_problem:
        problems["date_of_birth"] = dob_problem
    joined_problem = rules.joined_on_problem(
        data.get("joined_on"),
        date_of_birth=dob,
        today=today,
        left_on=pupil.left_on if pupil is not None else None,
    )
    if joined_problem:
        problems["joined_on"] = joined_problem
    upn_problem = rules.upn_problem(data.get("upn") or "")
    if upn_problem:
        problems["upn"] = upn_problem
    code_problem = ethnicity_problem(data.get("ethnicity") or "")
    if code_problem:
        problems["ethnicity"] = code_problem
    duplicates = pupil_duplicates_for(
        school=school,
        upn="" if upn_problem else data.get("upn") or "",
        legal_first_name=data.get("legal_first_name") or "",
        legal_last_name=data.get("legal_last_name") or "",
        date_of_birth=dob,
        exclude=pupil,
    )
    if duplicates.upn is not None:
        problems["upn"] = (
            f"This UPN is already used by {duplicates.upn.display_name}"
            f"{' (who has left)' if duplicates.upn.left_on else ''}: check it against the MIS"
        )
    if duplicates.same_name_and_birth and not different_child:
        other = duplicates.same_name_and_birth[0]
        # On the tick box the message asks for, so the error summary's link lands on it and the
        # name (which is fine) is not marked wrong.
        problems["different_child"] = (
            f"{other.display_name}, born on the same day, is already on the roll"
            f"{' (they have left)' if other.left_on else ''}: {DIFFERENT_CHILD}"
        )
    return problems


def _save(pupil: Pupil) -> Pupil:
    pupil.full_clean()
    try:
        with transaction.atomic():
            pupil.save()
    except IntegrityError as exc:  # the same UPN saved at the same moment by someone else
        raise ValidationError(
            {"upn": "This UPN was just saved for another pupil: check it against the MIS"}
        ) from exc
    return pupil


@transaction.atomic
def pupil_add(*, actor: Any, school: School, different_child: bool = False, **fields: Any) -> Pupil:
    """Add a pupil to the school's roll, after the roll's rules and its duplicates."""
    _require_roll_keeper(actor, school)
    _lock_roll(school)
    unknown = set(fields) - set(ROLL_FIELDS)
    if unknown:
        raise TypeError(f"not a roll field: {sorted(unknown)}")
    problems = pupil_problems(school=school, fields=fields, different_child=different_child)
    if problems:
        raise ValidationError(problems)
    return _save(Pupil(school=school, **_tidy(fields)))


@transaction.atomic
def pupil_update(
    *, actor: Any, pupil: Pupil, different_child: bool = False, **fields: Any
) -> Pupil:
    """Change a pupil's details (not their leaving: `pupil_leave`). Signed records keep the
    pupil as they were when signed, so a change here rewrites none of them."""
    _require_roll_keeper(actor, pupil.school_id)
    _lock_roll(pupil.school_id)
    unknown = set(fields) - set(ROLL_FIELDS)
    if unknown:
        raise TypeError(f"not a roll field: {sorted(unknown)}")
    locked = Pupil.objects.select_for_update().select_related("school").get(pk=pupil.pk)
    current = {name: getattr(locked, name) for name in ROLL_FIELDS}
    merged = {**current, **fields}
    name_or_birth_changed = merged["date_of_birth"] != current["date_of_birth"] or any(
        search_key(merged[f] or "") != search_key(current[f] or "")
        for f in ("legal_first_name", "legal_last_name")
    )
    problems = pupil_problems(
        school=locked.school,
        fields=merged,
        pupil=locked,
        # A pupil already saved beside a namesake is not asked again until the name changes.
        different_child=different_child or not name_or_birth_changed,
    )
    if problems:
        raise ValidationError(problems)
    for name, value in _tidy(merged).items():
        setattr(locked, name, value)
    return _save(locked)


def leaving_destination_tidy(leaving_destination: str) -> str:
    """Where a leaver went, as it is kept: spaces tidied."""
    return " ".join((leaving_destination or "").split())


def pupil_leave_problems(
    *,
    joined_on: datetime.date | None,
    left_on: datetime.date | None,
    leaving_destination: str,
    today: datetime.date | None = None,
) -> dict[str, str]:
    """What is wrong with a leaving as given, as {field: plain-English message}: the roll's
    rule for a leaving date (after `joined_on`, the pupil's date joined; None when the pupil is
    not known, so only the rest is checked) and the need to say where the pupil went. No
    queries."""
    problems: dict[str, str] = {}
    date_problem = rules.left_on_problem(
        left_on, joined_on=joined_on or datetime.date.min, today=today or _today()
    )
    if date_problem:
        problems["left_on"] = date_problem
    destination = leaving_destination_tidy(leaving_destination)
    if not destination:
        problems["leaving_destination"] = "Enter where the pupil went: the new school, or another"
    elif len(destination) > DESTINATION_LENGTH:
        problems["leaving_destination"] = (
            f"Where the pupil went must be {DESTINATION_LENGTH} characters or fewer"
        )
    return problems


@dataclass(frozen=True)
class Leaving:
    """A pupil leaving, or who has left: when, and where they went."""

    pupil: Pupil
    left_on: datetime.date | None
    leaving_destination: str


@transaction.atomic
def pupil_leave(
    *,
    actor: Any,
    pupil: Pupil,
    left_on: datetime.date | None,
    leaving_destination: str,
) -> Pupil:
    """Record that a pupil has left (or will leave) and where they went. Every record is kept;
    when the pupil has safeguarding records the DSL and deputies are told to transfer the CP
    file by its KCSIE deadline (`pupils_left_notify`)."""
    _require_roll_keeper(actor, pupil.school_id)
    leaving = Leaving(pupil=pupil, left_on=left_on, leaving_destination=leaving_destination)
    return pupils_leave(actor=actor, school=pupil.school, leavings=[leaving])[0]


@transaction.atomic
def pupils_leave(*, actor: Any, school: School, leavings: Sequence[Leaving]) -> list[Pupil]:
    """`pupil_leave` for several pupils of the school at once (the API's leavers), all or
    nothing: a pupil with a problem refuses the lot, with that pupil's problems. The DSL and
    deputies are told, in one go, about those newly leaving who have safeguarding records."""
    _require_roll_keeper(actor, school)
    _lock_roll(school)
    locked = (
        Pupil.objects.select_for_update(of=("self",))
        .select_related("school")
        .filter(school=school)
        .in_bulk([leaving.pupil.pk for leaving in leavings])
    )
    now = timezone.now()
    newly_left: list[Any] = []
    left: list[Pupil] = []
    for leaving in leavings:
        pupil = locked.get(leaving.pupil.pk)
        if pupil is None:  # not a pupil of this school
            raise PermissionDenied("Only the school administrator and the DSL keep the pupil roll.")
        problems = pupil_leave_problems(
            joined_on=pupil.joined_on,
            left_on=leaving.left_on,
            leaving_destination=leaving.leaving_destination,
        )
        if problems:
            raise ValidationError(problems)
        if pupil.left_on is None:
            newly_left.append(pupil.pk)
        pupil.left_on = leaving.left_on
        pupil.leaving_destination = leaving_destination_tidy(leaving.leaving_destination)
        pupil.updated_at = now  # bulk_update skips auto_now
        # Leaving changes neither the UPN nor the school, and the date's rule is the database's
        # constraint too: the checks that each cost a query are left to the database.
        pupil.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
        left.append(pupil)
    Pupil.objects.bulk_update(
        left, ["left_on", "leaving_destination", "updated_at"], batch_size=500
    )
    if newly_left:
        pupils_left_notify(school=school, pupil_ids=newly_left, actor=actor)
    return left


@transaction.atomic
def pupil_leaving_undo(*, actor: Any, pupil: Pupil) -> Pupil:
    """A leaving recorded by mistake (or a move that fell through): the pupil is back on the
    roll. The DSL and deputies are told when the pupil has safeguarding records, since a
    transfer of the CP file may have started."""
    _require_roll_keeper(actor, pupil.school_id)
    _lock_roll(pupil.school_id)
    locked = Pupil.objects.select_for_update().select_related("school").get(pk=pupil.pk)
    if locked.left_on is None:
        raise ValidationError("This pupil is on the roll: there is no leaving to undo.")
    locked.left_on, locked.leaving_destination = None, ""
    _save(locked)
    pupils_returned_notify(school=locked.school, pupil_ids=[locked.pk])
    return locked


def pupils_returned_notify(*, school: School, pupil_ids: Iterable[Any]) -> int:
    """Tell the DSL and deputies about each pupil recorded as leaving who is back on the roll (by
    hand, by an import or from the MIS through the API) and has safeguarding records: a transfer
    of the CP file may have started. Returns how many were told about."""
    returned = pupils_with_safeguarding_records(school=school, pupil_ids=list(pupil_ids))
    leads = safeguarding_leads(school.pk) if returned else []
    for pupil_id in sorted(returned, key=str):
        notify(
            school=school,
            recipients=leads,
            kind=NotificationKind.PUPIL_RETURNED,
            title=(
                "A pupil with safeguarding records who was recorded as leaving is back on the "
                "roll: check whether their child-protection file is still to be transferred"
            ),
            link=reverse("pupil-detail", kwargs={"pk": pupil_id}),
        )
    return len(returned)


def pupils_left_notify(*, school: School, pupil_ids: Iterable[Any], actor: Any) -> int:
    """Tell the school's DSLs and deputies, once per pupil, that pupils who have just left the
    roll have safeguarding records and their CP file must be transferred by its deadline
    (KCSIE Annex C, worked out as `transfers.services.transfer_deadline` does). Pupils already
    being transferred are skipped. Call it in the transaction that marks them as leavers (a
    roll import does, for its leavers); returns how many pupils the DSLs were told about.
    The titles carry no child's name: the link does, behind sign-in."""

    _require_roll_keeper(actor, school)
    ids = list(pupil_ids)
    if not ids:
        return 0
    with_records = pupils_with_safeguarding_records(school=school, pupil_ids=ids)
    if not with_records:
        return 0
    being_transferred = set(
        Transfer.objects.filter(
            school=school,
            pupil_id__in=with_records,
            state__in=[TransferState.PREPARING, TransferState.READY, TransferState.SENT],
        ).values_list("pupil_id", flat=True)
    )
    leavers = Pupil.objects.filter(
        school=school, pk__in=with_records - being_transferred, left_on__isnull=False
    ).values_list("pk", "left_on")
    leads = safeguarding_leads(school.pk)
    told = 0
    for pk, left_on in leavers:
        if left_on is None:  # filtered out above; for the type checker
            continue
        deadline = transfer_deadline(school=school, leaving_date=left_on)
        notify(
            school=school,
            recipients=leads,
            kind=NotificationKind.PUPIL_LEFT,
            title=(
                "A pupil with safeguarding records is leaving or has left: transfer their "
                f"child-protection file to the new school {deadline.rule}, by "
                f"{deadline.due:%A %-d %B %Y}"
            ),
            link=reverse("pupil-detail", kwargs={"pk": pk}),
        )
        told += 1
    return told
