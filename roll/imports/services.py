"""Every write of a roll import: the upload read and previewed, the CSV's columns chosen, the
preview applied in one transaction, or discarded. docs/adr/0023."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from contacts.services import family_contacts_import
from roll.rules import long_date
from roll.services import pupils_left_notify, pupils_returned_notify
from safeguard.access import access_for
from safeguard.params import whole_number
from safeguard.roles import Perm
from schools.models import Pupil, RollImport, RollImportMapping, School

from . import ctf_reader
from .csv_reader import FileRefusedError, read_csv
from .fields import FIELDS, REQUIRED
from .plan import build_plan, roll_fingerprint

# Largest file read: a roll of 3,000 pupils with every column is under 2 MB as CSV; a whole-school
# CTF with contacts and attendance can be several MB.
LARGEST_FILE = 10 * 1024 * 1024
BATCH = 500
# A whole-roll file that would mark more than this share of the pupils on roll as left (and at
# least LEAVERS_ASKED_FROM of them) is most likely the wrong file, a part of the roll or a single
# pupil's CTF: the preview warns, and the apply needs a tick saying it is meant.
LEAVERS_SHARE_ASKED = 0.25
LEAVERS_ASKED_FROM = 10
CONFIRM_LEAVERS = "confirm_leavers"


def _require_roll_keeper(actor: Any, school: School) -> None:
    if not access_for(actor).has(Perm.MANAGE_PUPIL_ROLL, school):
        raise PermissionDenied


def _today() -> datetime.date:
    return timezone.localdate()


@transaction.atomic
def roll_import_start(
    *,
    actor: Any,
    school: School,
    source: str,
    file_name: str,
    data: bytes,
    whole_roll: bool,
) -> RollImport:
    """Read an uploaded file. A CTF is previewed at once; a CSV waits for its columns."""
    _require_roll_keeper(actor, school)
    if source not in RollImport.Source.values:
        raise ValidationError({"source": "Choose CSV or Common Transfer File"})
    if len(data) > LARGEST_FILE:
        raise ValidationError({"file": "The file must be smaller than 10 MB"})
    roll_import = RollImport(
        school=school,
        source=source,
        file_name="".join(c for c in file_name if c.isprintable())[:255] or "upload",
        file_sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
        whole_roll=whole_roll,
    )
    try:
        if source == RollImport.Source.CSV:
            table = read_csv(data)
            roll_import.header = {
                "headings": table.headings,
                "encoding": table.encoding,
                "delimiter": {"\t": "tab", ",": "comma", ";": "semicolon"}[table.delimiter],
            }
            roll_import.rows = table.rows
        else:
            ctf = ctf_reader.read_ctf(data)
            _check_ctf_school(ctf.header, school=school, whole_roll=whole_roll)
            roll_import.header = ctf.header
            roll_import.rows = ctf.pupils
    except FileRefusedError as refused:
        raise ValidationError({"file": str(refused)}) from None
    if not roll_import.rows:
        raise ValidationError({"file": "The file has no pupils in it"})
    roll_import.full_clean()
    roll_import.save()
    if source == RollImport.Source.CTF:
        _preview(roll_import)
    return roll_import


def _laestab(school_header: dict[str, str]) -> str:
    return (school_header.get("lea") or "") + (school_header.get("estab") or "")


def _is_this_school(school_header: dict[str, str], school: School) -> bool:
    urn = (school_header.get("urn") or "").strip()
    laestab = _laestab(school_header)
    return bool(urn and urn == school.urn) or bool(
        school.dfe_number and laestab == school.dfe_number
    )


def _describe(school_header: dict[str, str]) -> str:
    name = school_header.get("name") or "a school"
    numbers = [
        f"DfE number {_laestab(school_header)}" if _laestab(school_header) else "",
        f"URN {school_header['urn']}" if school_header.get("urn") else "",
    ]
    numbers = [n for n in numbers if n]
    return f"{name} ({', '.join(numbers)})" if numbers else name


def _names_a_school(school_header: dict[str, str]) -> bool:
    """Whether a header names a real school (a URN, or a numeric LEA and Estab), not the DfE's
    "XXX" (destination not known) or "MMM" (lost pupils) or nothing."""
    urn = (school_header.get("urn") or "").strip()
    lea, estab = (
        (school_header.get("lea") or "").strip(),
        (school_header.get("estab") or "").strip(),
    )
    return whole_number(urn) is not None or (
        whole_number(lea) is not None and whole_number(estab) is not None
    )


def _check_ctf_school(header: dict[str, Any], *, school: School, whole_roll: bool) -> None:
    """Refuse a CTF that is not this school's: a joiner's file is addressed to it (DestSchool), a
    whole-school export comes from it (SourceSchool). A file this school made for another school
    (a leaver's CTF) is refused too: as the whole roll it would mark every other pupil as left,
    and as joiners it would put the leaver back on the roll."""
    source, dest = header["source"], header["dest"]
    from_here, to_here = _is_this_school(source, school), _is_this_school(dest, school)
    if from_here and not to_here and _names_a_school(dest):
        raise FileRefusedError(
            f"This file was made by {school.name} for {_describe(dest)}: it holds pupils leaving "
            "for that school, not the roll. Export the whole-school CTF from the MIS instead: it "
            "was not imported"
        )
    if not from_here and not to_here:
        destination = f" to {_describe(dest)}" if any(dest.values()) else ""
        raise FileRefusedError(
            f"This file is from {_describe(source)}{destination}, not for {school.name} (URN "
            f"{school.urn}{', DfE number ' + school.dfe_number if school.dfe_number else ''}): "
            "it was not imported"
        )
    if whole_roll and not from_here:
        raise FileRefusedError(
            f"This file was sent to {school.name} by {_describe(source)}: it holds pupils joining "
            "the school, not the whole roll. Choose “Joiners only” to import them"
        )


def _preview(roll_import: RollImport) -> None:
    """Work out the plan from the rows read (and, for a CSV, the columns chosen)."""
    today = _today()
    if roll_import.source == RollImport.Source.CTF:
        rows = roll_import.rows
        file_date = ctf_reader.file_date(roll_import.header) or today
        file_date = min(file_date, today)
    else:
        columns = roll_import.header.get("columns") or {}
        rows = [
            {
                "row": number,
                "where": f"Row {number}",
                "values": {key: cells[index] for key, index in columns.items()},
            }
            for number, cells in roll_import.rows
        ]
        file_date = today
    plan, problems = build_plan(
        school=roll_import.school,
        rows=rows,
        whole_roll=roll_import.whole_roll,
        file_date=file_date,
        today=today,
    )
    roll_import.plan = plan
    roll_import.problems = problems
    roll_import.joiners = len(plan["joiners"])
    roll_import.changes = len(plan["changes"])
    roll_import.leavers = len(plan["leavers"])
    roll_import.unchanged = plan["unchanged"]
    roll_import.save()


def _require_preview(roll_import: RollImport) -> None:
    if roll_import.status != RollImport.Status.PREVIEW:
        raise ValidationError(
            f"This import was already {roll_import.get_status_display().lower()}: upload the "
            "file again to make a new preview"
        )


@transaction.atomic
def roll_import_columns_set(
    *, actor: Any, roll_import: RollImport, columns: dict[str, int]
) -> RollImport:
    """Choose which CSV column holds each roll field, remember it for the school, and preview."""
    _require_roll_keeper(actor, roll_import.school)
    # Read again under a lock: an apply or a discard in another request (a second tab, a double
    # click) must not be overwritten by this preview's save, which would make it waiting again.
    roll_import = (
        RollImport.objects.select_for_update(of=("self",))
        .select_related("school")
        .get(pk=roll_import.pk)
    )
    _require_preview(roll_import)
    if roll_import.source != RollImport.Source.CSV:
        raise ValidationError("Only a CSV file has columns to choose")
    headings: list[str] = roll_import.header["headings"]
    errors: dict[str, str] = {}
    seen: dict[int, str] = {}
    for key in FIELDS:
        index = columns.get(key)
        if index is None:
            if key in REQUIRED:
                errors[key] = f"Choose the column that holds the {FIELDS[key].label.lower()}"
            continue
        if not 0 <= index < len(headings):
            errors[key] = "Choose a column of the file"
        elif index in seen:
            errors[key] = (
                f"The column “{headings[index]}” is already chosen for the "
                f"{FIELDS[seen[index]].label.lower()}"
            )
        else:
            seen[index] = key
    if errors:
        raise ValidationError(errors)
    roll_import.header = {**roll_import.header, "columns": {k: i for k, i in columns.items()}}
    mapping, _ = RollImportMapping.objects.get_or_create(school=roll_import.school)
    mapping.columns = {key: headings[index] for key, index in columns.items()}
    mapping.updated_by = actor
    mapping.full_clean()
    mapping.save()
    _preview(roll_import)
    return roll_import


def leavers_need_confirmation(roll_import: RollImport) -> bool:
    """Whether the import would mark so many of the pupils on roll as left that the person must
    say it is meant (LEAVERS_SHARE_ASKED)."""
    plan = roll_import.plan or {}
    leavers = len(plan.get("leavers", []))
    on_roll = plan.get("on_roll", leavers)
    return leavers >= LEAVERS_ASKED_FROM and leavers > LEAVERS_SHARE_ASKED * on_roll


@transaction.atomic
def roll_import_apply(
    *, actor: Any, roll_import: RollImport, leavers_confirmed: bool = False
) -> RollImport:
    """Write exactly what was previewed, in one transaction, or nothing at all."""
    _require_roll_keeper(actor, roll_import.school)
    # One import at a time per school, and nobody else's edit between the check and the writes.
    School.objects.select_for_update().get(pk=roll_import.school_id)
    roll_import = RollImport.objects.select_for_update().defer("rows").get(pk=roll_import.pk)
    _require_preview(roll_import)
    if not roll_import.plan:
        raise ValidationError("Choose the file's columns before applying it")
    if roll_import.problems:
        raise ValidationError(
            "The file has problems: correct them in the MIS, export it again and upload it. "
            "Nothing was changed"
        )
    plan = roll_import.plan
    school = roll_import.school
    if leavers_need_confirmation(roll_import) and not leavers_confirmed:
        raise ValidationError(
            {
                CONFIRM_LEAVERS: (
                    f"Tick to say that {len(plan['leavers'])} pupils are to be marked as left, or "
                    "discard the file if it is not the whole roll"
                )
            }
        )
    if roll_fingerprint(school) != plan["fingerprint"]:
        raise ValidationError(
            "The roll has changed since this preview was made: upload the file again to see "
            "what it would do now. Nothing was changed"
        )
    try:
        written = roll_plan_write(
            actor=actor,
            school=school,
            plan=plan,
            with_joiners=lambda joiners: _joiners_contacts(
                actor, roll_import, joiners, plan["joiners"]
            ),
        )
    except RollChangedError:
        raise ValidationError(
            "The roll has changed while this import was being applied: upload the file again "
            "to see what it would do now. Nothing was changed"
        ) from None

    roll_import.status = RollImport.Status.APPLIED
    roll_import.applied_by = actor
    roll_import.applied_at = written.at
    roll_import.rows = []
    roll_import.save()
    if written.left_ids:
        # The DSLs are told about leavers with safeguarding records (their CP file must follow).
        pupils_left_notify(school=school, pupil_ids=written.left_ids, actor=actor)
    pupils_returned_notify(school=school, pupil_ids=written.returned_ids)
    return roll_import


class RollChangedError(Exception):
    """The database refused a plan's writes: a pupil was written meanwhile by a route that does
    not take the roll lock (a transfer accepted, say). Nothing of the plan was written."""


@dataclass
class WrittenPlan:
    """What `roll_plan_write` wrote: the joiners (in the plan's order), the pupils newly marked
    as left, when, and the pupils back on the roll."""

    joiners: list[Pupil]
    left_ids: list[Any]
    at: datetime.datetime
    returned_ids: list[Any]  # marked as left before, and back on the roll now


def roll_plan_write(
    *,
    actor: Any,
    school: School,
    plan: dict[str, Any],
    with_joiners: Callable[[list[Pupil]], None] | None = None,
) -> WrittenPlan:
    """Write a plan (`plan.build_plan`'s) to the roll: the one write path of a file's import and
    of the API's upsert. The caller holds the school's roll lock, is in a transaction, and has
    checked that the plan was built on the roll as it is and has no problems; it tells the DSLs
    about `left_ids` afterwards (`pupils_left_notify`). Raises RollChangedError, writing
    nothing, when the database refuses."""
    _require_roll_keeper(actor, school)
    now = timezone.now()
    left_ids: list[Any] = []
    returned_ids: list[Any] = []
    joined_on = datetime.date.fromisoformat(plan["joined_on"])
    joiners = []
    for joiner in plan["joiners"]:
        values = _typed(joiner["values"])
        if not values.get("joined_on"):
            values["joined_on"] = joined_on
        pupil = Pupil(school=school, **values)
        pupil.clean()  # the UPN upper-cased, the search text built
        # Uniqueness and constraints were checked by the plan against this same roll (under the
        # lock the caller holds), and the school is the locked row: checking them again costs a
        # query per pupil. The database constraints still stand behind it.
        pupil.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
        joiners.append(pupil)
    try:
        # A savepoint: after the database refuses, a caller's transaction stays usable.
        with transaction.atomic():
            _write(joiners, plan, school=school, now=now, left_ids=left_ids, returned=returned_ids)
            if with_joiners is not None:
                with_joiners(joiners)
    except IntegrityError:
        raise RollChangedError from None
    return WrittenPlan(joiners=joiners, left_ids=left_ids, at=now, returned_ids=returned_ids)


def _write(
    joiners: list[Pupil],
    plan: dict[str, Any],
    *,
    school: School,
    now: datetime.datetime,
    left_ids: list[Any],
    returned: list[Any],
) -> None:
    """The plan's writes: joiners created, changes and leavers updated in batches."""
    Pupil.objects.bulk_create(joiners, batch_size=BATCH)

    changed: dict[str, Pupil] = {}
    ids = [c["pupil"] for c in plan["changes"]] + [leaver["pupil"] for leaver in plan["leavers"]]
    pupils = Pupil.objects.filter(school=school).in_bulk(ids)
    updated_fields: set[str] = {"updated_at", "search_text"}
    for change in plan["changes"]:
        pupil = pupils[_uuid(change["pupil"])]
        for key, field in change["fields"].items():
            if key == "left_on" and field["value"] and pupil.left_on is None:
                left_ids.append(pupil.pk)  # newly left (a changed date was told already)
            if key == "left_on" and not field["value"] and pupil.left_on is not None:
                returned.append(pupil.pk)  # in the file with no leaving date: back on the roll
            setattr(pupil, key, _typed({key: field["value"]})[key])
            updated_fields.add(key)
        changed[change["pupil"]] = pupil
    for leaver in plan["leavers"]:
        pupil = pupils[_uuid(leaver["pupil"])]
        pupil.left_on = datetime.date.fromisoformat(leaver["left_on"])
        updated_fields.add("left_on")
        left_ids.append(pupil.pk)
        changed[leaver["pupil"]] = pupil
    for pupil in changed.values():
        pupil.updated_at = now  # bulk_update skips auto_now
        pupil.clean()
        pupil.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    Pupil.objects.bulk_update(list(changed.values()), sorted(updated_fields), batch_size=BATCH)


def _joiners_contacts(
    actor: Any, roll_import: RollImport, joiners: list[Pupil], planned: list[dict[str, Any]]
) -> None:
    """The contacts a CTF gives for its joiners, added to their family contacts (docs/ctf.md).
    Pupils already on the roll keep the contacts the school keeps: a re-import adds none."""
    contacts = [
        (pupil, values)
        for pupil, joiner in zip(joiners, planned, strict=True)
        for values in (joiner.get("extra") or {}).get("contacts", [])
        if "relationship_label" in values  # a preview made before contacts were imported: none
    ]
    if not contacts:
        return
    source = roll_import.header.get("source") or {}
    made = ctf_reader.file_date(roll_import.header)
    family_contacts_import(
        actor=actor,
        school=roll_import.school,
        contacts=contacts,
        source=(
            f"From the Common Transfer File of {_describe(source)}"
            + (f" made on {long_date(made)}" if made else "")
            + f", imported on {long_date(timezone.localdate())}: check these details with the"
            " family."
        ),
    )


@transaction.atomic
def roll_import_discard(*, actor: Any, roll_import: RollImport) -> RollImport:
    """Throw a preview away: nothing is written to the roll, and the rows read are removed."""
    _require_roll_keeper(actor, roll_import.school)
    # Read again under a lock: an import applied meanwhile must never be recorded as discarded.
    roll_import = RollImport.objects.select_for_update().defer("rows").get(pk=roll_import.pk)
    _require_preview(roll_import)
    roll_import.status = RollImport.Status.DISCARDED
    roll_import.rows = []
    roll_import.plan = {}
    roll_import.save()
    return roll_import


# A preview holds the rows it read (names, dates of birth, characteristics); one nobody applies
# or discards is thrown away after this long, so a school's roll is not kept twice.
PREVIEW_KEPT = datetime.timedelta(days=7)


@transaction.atomic
def roll_imports_expire(*, now: datetime.datetime | None = None) -> int:
    """Discard every preview older than PREVIEW_KEPT, emptying the rows it read (the nightly job);
    returns how many. Nothing is written to any roll."""
    cutoff = (now or timezone.now()) - PREVIEW_KEPT
    return RollImport.objects.filter(
        status=RollImport.Status.PREVIEW, created_at__lt=cutoff
    ).update(status=RollImport.Status.DISCARDED, rows=[], plan={}, updated_at=timezone.now())


def _uuid(text: str) -> Any:

    return uuid.UUID(text)


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    """JSON values as the Pupil model takes them (dates from ISO text)."""
    typed: dict[str, Any] = {}
    for key, value in values.items():
        if FIELDS[key].kind == "date":
            typed[key] = datetime.date.fromisoformat(value) if value else None
        elif value is None and FIELDS[key].kind != "bool":
            typed[key] = ""
        else:
            typed[key] = value
    return typed
