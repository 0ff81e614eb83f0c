"""What an import would do to a school's roll: joiners, changes field by field, leavers, and the
problems that stop it. Built from the rows read and the school's own pupils only; writes nothing.

Matching (only among the importing school's pupils): by UPN, else by admission number, else by
legal name and date of birth (compared as search compares them: no case, accents or apostrophes).
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from typing import Any

from schools.models import Pupil, School, search_key
from schools.roll.rules import date_of_birth_problem

from .fields import FIELDS, REQUIRED, clean_values, display, stored

# Pupil fields an import may change, and that the roll fingerprint covers.
COMPARED = [key for key in FIELDS if key != "left_on"]
FINGERPRINT_FIELDS = ["id", "updated_at", "left_on", *COMPARED]
# A blank cell in these never wipes what the roll holds: a blank UPN keeps the pupil's UPN (the
# MIS may not have it yet), a blank date of admission keeps the roll's, and a blank leaving date
# is not a leaving date.
KEPT_WHEN_BLANK = ("upn", "joined_on", "left_on")
# How many joiners, changes and leavers the preview lists in full (the counts are always whole).
SHOWN = 500


def roll_fingerprint(school: School) -> str:
    """A hash of every pupil of the school as an import sees them: it changes when the roll
    changes, so an apply can refuse a preview made before someone edited the roll."""
    digest = hashlib.sha256()
    for row in Pupil.objects.filter(school=school).order_by("id").values_list(*FINGERPRINT_FIELDS):
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _name_key(first: str, last: str, date_of_birth: str) -> tuple[str, str, str]:
    return (search_key(first), search_key(last), date_of_birth)


def _pupil_name(values: dict[str, Any]) -> str:
    first = values.get("preferred_first_name") or values.get("legal_first_name") or ""
    last = values.get("preferred_last_name") or values.get("legal_last_name") or ""
    return f"{first} {last}".strip() or "(no name)"


def build_plan(
    *,
    school: School,
    rows: list[dict[str, Any]],
    whole_roll: bool,
    file_date: datetime.date,
    today: datetime.date,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan for `rows` ({"row", "where", "values": raw text by field, "extra"}) against the
    school's roll, and the problems ({"row", "where", "field", "message"}) that stop it."""
    problems: list[dict[str, Any]] = []

    def problem(row: dict[str, Any], key: str | None, message: str) -> None:
        label = FIELDS[key].label if key else ""
        problems.append(
            {"row": row["row"], "where": row["where"], "field": label, "message": message}
        )

    pupils = list(Pupil.objects.filter(school=school))
    by_upn = {p.upn: p for p in pupils if p.upn}
    by_admission: dict[str, list[Pupil]] = defaultdict(list)
    by_name: dict[tuple[str, str, str], list[Pupil]] = defaultdict(list)
    for existing in pupils:
        if existing.admission_number:
            by_admission[existing.admission_number.upper()].append(existing)
        name_key = _name_key(
            existing.legal_first_name, existing.legal_last_name, existing.date_of_birth.isoformat()
        )
        by_name[name_key].append(existing)

    upn_rows: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        upn = (row["values"].get("upn") or "").strip().upper()
        if upn:
            upn_rows[upn].append(row["row"])

    joiners: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    unchanged = 0
    matched: dict[Any, dict[str, Any]] = {}
    joiner_names: dict[tuple[str, str, str], tuple[str, str]] = {}
    for row in rows:
        values, value_problems = clean_values(row["values"])
        for key, message in value_problems:
            problem(row, key, message)
        upn = values.get("upn") or ""
        if upn and len(upn_rows[upn]) > 1:
            others = [str(n) for n in upn_rows[upn] if n != row["row"]]
            problem(row, "upn", f"The UPN {upn} is also in {_rows_word(row)} {', '.join(others)}")
        if "date_of_birth" in values and values["date_of_birth"]:
            dob = datetime.date.fromisoformat(values["date_of_birth"])
            if reason := date_of_birth_problem(
                dob, year_group=values.get("year_group", ""), today=today
            ):
                problem(row, "date_of_birth", reason)

        pupil, how = _match(values, by_upn, by_admission, by_name)
        if pupil is not None and upn and pupil.upn and pupil.upn != upn:
            problem(
                row,
                "upn",
                f"This row matches {pupil.legal_first_name} {pupil.legal_last_name} (by {how}), "
                f"who is on the roll with the UPN {pupil.upn}, not {upn}: correct the UPN in the "
                "MIS or on the roll",
            )
            continue
        if pupil is not None and pupil.pk in matched:
            problem(
                row,
                None,
                f"This row and {matched[pupil.pk]['where']} are both "
                f"{pupil.legal_first_name} {pupil.legal_last_name}: a pupil can be in the file "
                "only once",
            )
            continue
        if pupil is None:
            same = _name_key(
                values.get("legal_first_name") or "",
                values.get("legal_last_name") or "",
                values.get("date_of_birth") or "",
            )
            earlier = joiner_names.get(same) if all(same) else None
            # Two different UPNs are two children as far as the DfE knows; without one, the same
            # name and date of birth is the same child twice.
            if earlier is not None and not (upn and earlier[1] and upn != earlier[1]):
                problem(
                    row,
                    None,
                    f"This row and {earlier[0]} are the same pupil (the same legal name and date "
                    "of birth): a pupil can be in the file only once",
                )
            joiner_names.setdefault(same, (row["where"], upn))
            missing = [key for key in REQUIRED if not values.get(key)]
            for absent in missing:
                if absent not in row["values"]:  # blank cells were reported by clean_values
                    problem(
                        row, absent, f"The file does not give the {FIELDS[absent].label.lower()}"
                    )
            if values.get("left_on"):
                problem(
                    row,
                    "left_on",
                    "This pupil is not on the roll and the file gives a leaving date: leave "
                    "pupils who have left out of the file",
                )
            joiners.append(
                {
                    "where": row["where"],
                    "name": _pupil_name(values),
                    "values": {k: values[k] for k in FIELDS if k in values},
                    "extra": row.get("extra") or {},
                }
            )
            continue
        matched[pupil.pk] = row
        fields: dict[str, Any] = {}
        for field_key, new in values.items():
            old = stored(pupil, field_key)
            if field_key in KEPT_WHEN_BLANK and new in (None, ""):
                continue
            if _differs(field_key, old, new):
                fields[field_key] = {
                    "old": display(field_key, old),
                    "new": display(field_key, new),
                    "value": new,
                }
        if pupil.left_on and not values.get("left_on") and pupil.left_on <= today:
            # In the file, with no leaving date, but marked as left here: back on the roll.
            fields["left_on"] = {
                "old": display("left_on", stored(pupil, "left_on")),
                "new": "(blank)",
                "value": None,
            }
        if fields:
            changes.append(
                {
                    "pupil": str(pupil.pk),
                    "where": row["where"],
                    "name": pupil.display_name,
                    "upn": pupil.upn,
                    "fields": fields,
                }
            )
        else:
            unchanged += 1

    leavers: list[dict[str, Any]] = []
    if whole_roll:
        for existing in pupils:
            on_roll = existing.left_on is None and existing.joined_on <= file_date
            if on_roll and existing.pk not in matched:
                left_on = max(file_date, existing.joined_on)
                leavers.append(
                    {
                        "pupil": str(existing.pk),
                        "name": existing.display_name,
                        "upn": existing.upn,
                        "year_group": display("year_group", existing.year_group),
                        "left_on": left_on.isoformat(),
                    }
                )
        leavers.sort(key=lambda leaver: leaver["name"])

    plan = {
        "fingerprint": roll_fingerprint(school),
        "file_date": file_date.isoformat(),
        "joined_on": today.isoformat(),
        "joiners": joiners,
        "changes": changes,
        "leavers": leavers,
        "unchanged": unchanged,
    }
    problems.sort(key=lambda p: p["row"])
    return plan, problems


def _rows_word(row: dict[str, Any]) -> str:
    return "pupil" if row["where"].startswith("Pupil") else "row"


def _differs(key: str, old: Any, new: Any) -> bool:
    if FIELDS[key].kind == "bool":
        return old is not new
    return (old or "") != (new or "")


def _match(
    values: dict[str, Any],
    by_upn: dict[str, Pupil],
    by_admission: dict[str, list[Pupil]],
    by_name: dict[tuple[str, str, str], list[Pupil]],
) -> tuple[Pupil | None, str]:
    upn = values.get("upn") or ""
    if upn and upn in by_upn:
        return by_upn[upn], "UPN"
    admission = (values.get("admission_number") or "").upper()
    if admission and len(by_admission.get(admission, [])) == 1:
        return by_admission[admission][0], "admission number"
    first, last, dob = (
        values.get("legal_first_name"),
        values.get("legal_last_name"),
        values.get("date_of_birth"),
    )
    if first and last and dob:
        found = by_name.get(_name_key(first, last, dob), [])
        if len(found) == 1:
            return found[0], "name and date of birth"
    return None, ""
