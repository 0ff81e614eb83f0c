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

from roll.rules import (
    date_of_birth_problem,
    joined_on_problem,
    left_on_problem,
    long_date,
)
from schools.models import Pupil, School, search_key

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
# A name read from a row is shown beside its problems up to this length (a hostile cell may be
# 1 MB).
LONGEST_NAME = 100
# A UPN given more than once: how many of the other rows with it a problem names.
OTHER_ROWS_NAMED = 5


def roll_fingerprint(school: School) -> str:
    """A hash of every pupil of the school as an import sees them: it changes when the roll
    changes, so an apply can refuse a preview made before someone edited the roll."""
    return _fingerprint_of(Pupil.objects.filter(school=school).only(*FINGERPRINT_FIELDS))


def _fingerprint_of(pupils: Any) -> str:
    """The fingerprint of these pupils (rows or model instances), hashed in id order."""
    digest = hashlib.sha256()
    rows = sorted(
        (tuple(getattr(p, name) for name in FINGERPRINT_FIELDS) for p in pupils),
        key=lambda row: row[0],
    )
    for row in rows:
        digest.update(repr(row).encode())
    return digest.hexdigest()


def _name_key(first: str, last: str, date_of_birth: str) -> tuple[str, str, str]:
    return (search_key(first), search_key(last), date_of_birth)


def _pupil_name(values: dict[str, Any]) -> str:
    first = values.get("preferred_first_name") or values.get("legal_first_name") or ""
    last = values.get("preferred_last_name") or values.get("legal_last_name") or ""
    return f"{first} {last}".strip() or "(no name)"


def _as_read(raw: dict[str, Any], *keys: str) -> str:
    """What a row gives for `keys`, as written, for its problems: control characters (a NUL,
    which PostgreSQL's JSON refuses) dropped and the length bounded."""
    parts = [
        "".join(ch for ch in str(raw.get(key) or "") if ch.isprintable()).strip() for key in keys
    ]
    return " ".join(part for part in parts if part)[:LONGEST_NAME]


class _PlanBuilder:
    """The rows read one by one against the school's roll: the joiners, changes and pupils left
    unchanged, and the problems (each naming the pupil of the row, as the file names them).

    `in_request`: the rows are the pupils of an API request, not a file's: the problems call it
    "the request" and name the other pupils as its fields are named (`pupils[3]`)."""

    def __init__(
        self,
        *,
        school: School,
        rows: list[dict[str, Any]],
        today: datetime.date,
        in_request: bool = False,
    ) -> None:
        self.today = today
        self.whole = "the request" if in_request else "the file"
        self.this = "This pupil" if in_request else "This row"
        self.where_by_row = {row["row"]: row["where"] for row in rows} if in_request else {}
        self.pupils = list(Pupil.objects.filter(school=school))
        self.by_upn = {p.upn: p for p in self.pupils if p.upn}
        self.by_admission: dict[str, list[Pupil]] = defaultdict(list)
        self.by_name: dict[tuple[str, str, str], list[Pupil]] = defaultdict(list)
        for existing in self.pupils:
            if existing.admission_number:
                self.by_admission[existing.admission_number.upper()].append(existing)
            name_key = _name_key(
                existing.legal_first_name,
                existing.legal_last_name,
                existing.date_of_birth.isoformat(),
            )
            self.by_name[name_key].append(existing)
        self.upn_rows: dict[str, list[int]] = defaultdict(list)
        for row in rows:
            upn = (row["values"].get("upn") or "").strip().upper()
            if upn:
                self.upn_rows[upn].append(row["row"])
        self.problems: list[dict[str, Any]] = []
        # The pupil of the row being read, as the file names them, so each problem says whose.
        self.reading: dict[str, str] = {"name": "", "upn": ""}
        self.joiners: list[dict[str, Any]] = []
        self.changes: list[dict[str, Any]] = []
        self.unchanged = 0
        self.matched: dict[Any, dict[str, Any]] = {}
        self.joiner_names: dict[tuple[str, str, str], tuple[str, str]] = {}

    def problem(self, row: dict[str, Any], key: str | None, message: str) -> None:
        label = FIELDS[key].label if key else ""
        self.problems.append(
            {
                "row": row["row"],
                "where": row["where"],
                "field": label,
                "message": message,
                **self.reading,
            }
        )

    def read(self, row: dict[str, Any]) -> None:
        """One row: a joiner, a change, unchanged, or only its problems."""
        values, value_problems = clean_values(row["values"])
        self.reading.update(
            name=_as_read(row["values"], "legal_first_name", "legal_last_name"),
            upn=_as_read(row["values"], "upn"),
        )
        problems_before = len(self.problems)
        for key, message in value_problems:
            self.problem(row, key, message)
        self._check_upn_and_birth(row, values)
        pupil, how = _match(values, self.by_upn, self.by_admission, self.by_name)
        if pupil is None:
            self._join(row, values, problems_before)
        elif not self._refused_match(row, values, pupil, how):
            self.matched[pupil.pk] = row
            self._change(row, values, pupil, problems_before)

    def _check_upn_and_birth(self, row: dict[str, Any], values: dict[str, Any]) -> None:
        """A UPN given on another row too, and a date of birth out of the row's year group."""
        upn = values.get("upn") or ""
        if upn and len(self.upn_rows[upn]) > 1:
            numbers = [n for n in self.upn_rows[upn] if n != row["row"]]
            # The first few only: a file of one UPN a thousand times is a thousand problems,
            # not a million row numbers.
            shown = numbers[:OTHER_ROWS_NAMED]
            others = (
                ", ".join(self.where_by_row[n] for n in shown)
                if self.where_by_row
                else f"{_rows_word(row)} {', '.join(str(n) for n in shown)}"
            )
            more = len(numbers) - len(shown)
            self.problem(
                row,
                "upn",
                f"The UPN {upn} is also in {others}" + (f" and {more} more" if more else ""),
            )
        if "date_of_birth" in values and values["date_of_birth"]:
            dob = datetime.date.fromisoformat(values["date_of_birth"])
            if reason := date_of_birth_problem(
                dob, year_group=values.get("year_group", ""), today=self.today
            ):
                self.problem(row, "date_of_birth", reason)

    def _refused_match(
        self, row: dict[str, Any], values: dict[str, Any], pupil: Pupil, how: str
    ) -> bool:
        """Report a match that must not be applied; True if the row is refused for it."""
        upn = values.get("upn") or ""
        if upn and pupil.upn and pupil.upn != upn:
            self.problem(
                row,
                "upn",
                f"{self.this} matches {pupil.legal_first_name} {pupil.legal_last_name} (by {how}), "
                f"who is on the roll with the UPN {pupil.upn}, not {upn}: correct the UPN in the "
                "MIS or on the roll",
            )
        elif how == "admission number" and _another_child(pupil, values):
            # An admission number reused, or mistyped, must never turn one child's roll entry
            # (and every safeguarding record on it) into another child's.
            self.problem(
                row,
                "admission_number",
                f"The admission number {values.get('admission_number')} is "
                f"{pupil.legal_first_name} {pupil.legal_last_name}'s on the roll, born "
                f"{long_date(pupil.date_of_birth)}, but this row is a different name or date of "
                "birth: check the admission number in the MIS",
            )
        elif how == "UPN" and _another_child(pupil, values, both=True):
            # A UPN copied from another child's line passes the check letter: a new first name
            # and a new date of birth at once is another child, not a correction.
            self.problem(
                row,
                "upn",
                f"The UPN {upn} is {pupil.legal_first_name} {pupil.legal_last_name}'s on the "
                f"roll, born {long_date(pupil.date_of_birth)}, but this row has another first name "
                "and date of birth: check the UPN in the MIS",
            )
        elif pupil.pk in self.matched:
            self.problem(
                row,
                None,
                f"{self.this} and {self.matched[pupil.pk]['where']} are both "
                f"{pupil.legal_first_name} {pupil.legal_last_name}: a pupil can be in "
                f"{self.whole} only once",
            )
        else:
            return False
        return True

    def _join(self, row: dict[str, Any], values: dict[str, Any], problems_before: int) -> None:
        """A row matching no pupil: a joiner, unless something stops it joining as it is."""
        upn = values.get("upn") or ""
        same = _name_key(
            values.get("legal_first_name") or "",
            values.get("legal_last_name") or "",
            values.get("date_of_birth") or "",
        )
        earlier = self.joiner_names.get(same) if all(same) else None
        # Two different UPNs are two children as far as the DfE knows; without one, the same
        # name and date of birth is the same child twice.
        if earlier is not None and not (upn and earlier[1] and upn != earlier[1]):
            self.problem(
                row,
                None,
                f"{self.this} and {earlier[0]} are the same pupil (the same legal name and "
                f"date of birth): a pupil can be in {self.whole} only once",
            )
        self.joiner_names.setdefault(same, (row["where"], upn))
        missing = [key for key in REQUIRED if not values.get(key)]
        for absent in missing:
            if absent not in row["values"]:  # blank cells were reported by clean_values
                self.problem(
                    row,
                    absent,
                    f"{self.whole.capitalize()} does not give the {FIELDS[absent].label.lower()}",
                )
        if values.get("left_on"):
            self.problem(
                row,
                "left_on",
                f"This pupil is not on the roll and {self.whole} gives a leaving date: leave "
                f"pupils who have left out of {self.whole}",
            )
        if values.get("joined_on"):
            _dates_problems(
                row,
                self.problem,
                joined_on=_date(values["joined_on"]),
                left_on=None,
                date_of_birth=_date(values.get("date_of_birth")),
                check_joined=True,
                check_left=False,
                today=self.today,
            )
        if len(self.problems) > problems_before:
            return  # listed under the problems only: it cannot join as it is
        self.joiners.append(
            {
                "where": row["where"],
                "name": _pupil_name(values),
                "values": {k: values[k] for k in FIELDS if k in values},
                "extra": row.get("extra") or {},
            }
        )

    def _change(
        self, row: dict[str, Any], values: dict[str, Any], pupil: Pupil, problems_before: int
    ) -> None:
        """A row matching a pupil: what it changes, field by field, or nothing."""
        fields = _changed_fields(pupil, values)
        comes_back = bool(
            pupil.left_on and not values.get("left_on") and pupil.left_on <= self.today
        )
        if ("joined_on" in fields or "left_on" in fields) and _dates_problems(
            row,
            self.problem,
            joined_on=_date(values.get("joined_on")) or pupil.joined_on,
            left_on=None if comes_back else _date(values.get("left_on")) or pupil.left_on,
            date_of_birth=_date(values.get("date_of_birth")) or pupil.date_of_birth,
            check_joined="joined_on" in fields,
            check_left="left_on" in fields,
            today=self.today,
        ):
            # The roll's own rules (and the database's: never left before joining), so a file
            # cannot make the apply fail half-way or keep a date no person could type.
            return
        if comes_back:
            # In the file, with no leaving date, but marked as left here: back on the roll.
            fields["left_on"] = {
                "old": display("left_on", stored(pupil, "left_on")),
                "new": "(blank)",
                "value": None,
            }
        if len(self.problems) > problems_before:
            return  # listed under the problems only, not as a change
        if not fields:
            self.unchanged += 1
            return
        self.changes.append(
            {
                "pupil": str(pupil.pk),
                "where": row["where"],
                "name": pupil.display_name,
                "upn": pupil.upn,
                "fields": fields,
            }
        )

    def leavers(self, file_date: datetime.date) -> list[dict[str, Any]]:
        """The pupils on the roll on the file's date whom no row matched, by name."""
        leavers = [
            {
                "pupil": str(existing.pk),
                "name": existing.display_name,
                "upn": existing.upn,
                "year_group": display("year_group", existing.year_group),
                "left_on": max(file_date, existing.joined_on).isoformat(),
            }
            for existing in self.pupils
            if existing.left_on is None
            and existing.joined_on <= file_date
            and existing.pk not in self.matched
        ]
        return sorted(leavers, key=lambda leaver: leaver["name"])


def build_plan(
    *,
    school: School,
    rows: list[dict[str, Any]],
    whole_roll: bool,
    file_date: datetime.date,
    today: datetime.date,
    in_request: bool = False,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The plan for `rows` ({"row", "where", "values": raw text by field, "extra"}) against the
    school's roll, and the problems ({"row", "where", "field", "message"}) that stop it.
    `in_request`: the rows are an API request's pupils (its problems say so)."""
    builder = _PlanBuilder(school=school, rows=rows, today=today, in_request=in_request)
    # Hashed from the very pupils the plan is built on: hashing a second read would let an edit
    # made between the two reads pass the apply's check with a plan that never saw it.
    fingerprint = _fingerprint_of(builder.pupils)
    for row in rows:
        builder.read(row)
    on_roll = [p for p in builder.pupils if p.left_on is None and p.joined_on <= file_date]
    plan = {
        "fingerprint": fingerprint,
        "file_date": file_date.isoformat(),
        "joined_on": today.isoformat(),
        "joiners": builder.joiners,
        "changes": builder.changes,
        "leavers": builder.leavers(file_date) if whole_roll else [],
        "unchanged": builder.unchanged,
        "on_roll": len(on_roll),
    }
    return plan, sorted(builder.problems, key=lambda p: p["row"])


def _changed_fields(pupil: Pupil, values: dict[str, Any]) -> dict[str, Any]:
    """What the row's values change of the pupil's, each as {"old", "new" (in words), "value"}."""
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
    return fields


def _another_child(pupil: Pupil, values: dict[str, Any], *, both: bool = False) -> bool:
    """Whether a matched row names a different child: another date of birth or another legal
    first name (`both`: and), since a surname alone may change, as children's do."""
    dob = values.get("date_of_birth")
    first = values.get("legal_first_name")
    other_birth = bool(dob and dob != pupil.date_of_birth.isoformat())
    other_name = bool(first and search_key(first) != search_key(pupil.legal_first_name))
    return (other_birth and other_name) if both else (other_birth or other_name)


def _dates_problems(
    row: dict[str, Any],
    problem: Any,
    *,
    joined_on: datetime.date | None,
    left_on: datetime.date | None,
    date_of_birth: datetime.date | None,
    check_joined: bool,
    check_left: bool,
    today: datetime.date,
) -> bool:
    """Report a date of admission or leaving date the roll's rules refuse; True if any was."""
    if check_joined and joined_on is not None:
        reason = joined_on_problem(
            joined_on, date_of_birth=date_of_birth, today=today, left_on=left_on
        )
        if reason:
            problem(row, "joined_on", reason)
            return True
    if check_left and left_on is not None and joined_on is not None:
        reason = left_on_problem(left_on, joined_on=joined_on, today=today)
        if reason:
            problem(row, "left_on", reason)
            return True
    return False


def _date(text: Any) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


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
