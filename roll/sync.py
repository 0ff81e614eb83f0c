"""Writes to the roll from a system: the MIS keeping it in step through the API (issue 17).

A batch of pupils is upserted by UPN through the roll import's own plan and write path
(`roll.imports.plan.build_plan`, `roll.imports.services.roll_plan_write`): every value read the
same way, the same rules and matching, the same words for a problem. Leavers named by UPN are
marked through `pupils_leave` (`pupil_leave` for several at once: the leaver form's rules, and
the DSLs told about a leaver with safeguarding records).
Each batch is all or nothing: one problem anywhere and nothing is written. A dry run reports what
would change and writes nothing. Only the school's own pupils are read (docs/adr/0023).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from schools.models import Pupil, School

from .imports.fields import FIELDS, clean_values
from .imports.plan import OTHER_ROWS_NAMED, build_plan
from .imports.services import RollChangedError, roll_plan_write
from .rules import upn_problem
from .services import (
    Leaving,
    can_keep_roll,
    leaving_destination_tidy,
    pupil_leave_problems,
    pupils_leave,
    pupils_returned_notify,
)

# The most pupils (or leavers) one call may name: a large secondary's whole roll, with room.
ROLL_BATCH = 5000
# What an upsert may give: every field the import reads, bar the leaving date (leavers are marked
# through `roll_leavers`, which asks where the pupil went and tells the DSLs).
UPSERT_FIELDS = tuple(key for key in FIELDS if key != "left_on")
LEAVER_FIELDS = ("upn", "left_on", "leaving_destination")
_KEY_BY_LABEL = {f.label: f.key for f in FIELDS.values()}
NO_UPN = "Enter the UPN: pupils are matched by it"


@dataclass
class RowProblem:
    """A problem with one pupil of a batch: its place, the field (blank: the pupil as a whole)."""

    index: int
    field: str
    message: str


@dataclass
class PupilOutcome:
    """What a batch did, or would do, to one pupil it named."""

    index: int
    upn: str
    outcome: str  # upsert: added, updated, unchanged; leavers: left, updated, unchanged
    pupil_id: Any = None  # None for a pupil a dry run would add
    fields: list[str] = field(default_factory=list)  # the fields it changes


@dataclass
class RollBatch:
    """A batch's answer: each pupil's outcome in the order sent, or the problems (then nothing
    was written); `written` is False for a dry run and for a batch the roll already matched."""

    outcomes: list[PupilOutcome]
    problems: list[RowProblem]
    written: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)


def _require_roll_keeper(actor: Any, school: School) -> None:
    if not can_keep_roll(actor, school):
        raise PermissionDenied("Only the school administrator and the DSL keep the pupil roll.")


def _lock_roll(school: School) -> None:
    """The school's roll lock (its row), as the import's apply and every hand change take it."""
    School.objects.select_for_update().only("pk").get(pk=school.pk)


def _refuse_unknown(rows: list[dict[str, Any]], known: tuple[str, ...]) -> None:
    for values in rows:
        unknown = set(values) - set(known)
        if unknown:
            raise TypeError(f"not a field of this batch: {sorted(unknown)}")


@transaction.atomic
def roll_upsert(
    *, actor: Any, school: School, pupils: list[dict[str, str]], dry_run: bool = False
) -> RollBatch:
    """Add or update the school's pupils by UPN from `pupils` (each the text of the fields it
    gives, as an imported file's row: a field not given is left as it is). Pupils the roll
    already matches are unchanged, so the same batch twice writes nothing the second time."""
    _require_roll_keeper(actor, school)
    _refuse_unknown(pupils, UPSERT_FIELDS)
    if not dry_run:
        # Taken before the roll is read, so the plan is the roll the writes land on.
        _lock_roll(school)
    today = timezone.localdate()
    # The rows an imported file gives the plan, each named as the API names its fields.
    rows: list[dict[str, Any]] = [
        {"row": index, "where": f"pupils[{index}]", "values": values}
        for index, values in enumerate(pupils)
    ]
    plan, plan_problems = build_plan(
        school=school, rows=rows, whole_roll=False, file_date=today, today=today, in_request=True
    )
    problems = [
        RowProblem(index, "upn", NO_UPN)
        for index, values in enumerate(pupils)
        if not (values.get("upn") or "").strip()
    ]
    problems += [
        RowProblem(p["row"], _KEY_BY_LABEL.get(p["field"], ""), p["message"]) for p in plan_problems
    ]
    if problems:
        return RollBatch(outcomes=[], problems=sorted(problems, key=lambda p: p.index))

    index_of: dict[str, int] = {row["where"]: row["row"] for row in rows}
    outcomes: dict[int, PupilOutcome] = {}
    for change in plan["changes"]:
        index = index_of[change["where"]]
        outcomes[index] = PupilOutcome(
            index, "", "updated", change["pupil"], fields=list(change["fields"])
        )
    written = False
    added: list[Any] = [None] * len(plan["joiners"])
    if not dry_run and (plan["joiners"] or plan["changes"]):
        try:
            done = roll_plan_write(actor=actor, school=school, plan=plan)
        except RollChangedError:
            raise ValidationError(
                "The roll changed while this request was being applied: send it again. "
                "Nothing was changed"
            ) from None
        added = [pupil.pk for pupil in done.joiners]
        written = True
        # As when a person undoes a leaving: the DSLs hear of a returner with records.
        pupils_returned_notify(school=school, pupil_ids=done.returned_ids)
    for joiner, pupil_id in zip(plan["joiners"], added, strict=True):
        outcomes[index_of[joiner["where"]]] = PupilOutcome(
            index_of[joiner["where"]], "", "added", pupil_id
        )
    upns = [(values.get("upn") or "").strip().upper() for values in pupils]
    unchanged = [upn for index, upn in enumerate(upns) if index not in outcomes]
    # A pupil the roll already matches has the UPN sent (a UPN the roll lacks would be a change).
    ids = dict(Pupil.objects.filter(school=school, upn__in=unchanged).values_list("upn", "pk"))
    for index, upn in enumerate(upns):
        found = outcomes.get(index) or PupilOutcome(index, "", "unchanged", ids[upn])
        found.upn = upn
        outcomes[index] = found
    return RollBatch(
        outcomes=[outcomes[index] for index in range(len(pupils))], problems=[], written=written
    )


@transaction.atomic
def roll_leavers(
    *, actor: Any, school: School, leavers: list[dict[str, str]], dry_run: bool = False
) -> RollBatch:
    """Mark the school's pupils named by UPN as leaving or left (`leavers`: the text of `upn`,
    `left_on` and `leaving_destination`), through `pupils_leave`. A pupil already marked
    with the same date and destination is unchanged, so the same batch twice writes nothing."""
    _require_roll_keeper(actor, school)
    _refuse_unknown(leavers, LEAVER_FIELDS)
    if not dry_run:
        _lock_roll(school)
    today = timezone.localdate()
    upns = [(leaver.get("upn") or "").strip().upper() for leaver in leavers]
    pupils = {p.upn: p for p in Pupil.objects.filter(school=school, upn__in=[u for u in upns if u])}
    places: dict[str, list[int]] = {}
    for index, upn in enumerate(upns):
        places.setdefault(upn, []).append(index)
    problems: list[RowProblem] = []
    outcomes: list[PupilOutcome] = []
    to_mark: list[Leaving] = []
    for index, (leaver, upn) in enumerate(zip(leavers, upns, strict=True)):
        pupil, problem = _leaver_pupil(upn, places, pupils, index)
        if problem:
            problems.append(RowProblem(index, "upn", problem))
        # The import's reading of a date: the same formats and the same words when it is not one.
        values, date_problems = clean_values({"left_on": leaver.get("left_on") or ""})
        problems += [RowProblem(index, key, message) for key, message in date_problems]
        if date_problems:
            left_on = None
        else:
            left_on = datetime.date.fromisoformat(values["left_on"]) if values["left_on"] else None
        destination = leaver.get("leaving_destination") or ""
        found = pupil_leave_problems(
            # A UPN not found: the date is checked as for a pupil who joined long ago.
            joined_on=pupil.joined_on if pupil else None,
            left_on=left_on,
            leaving_destination=destination,
            today=today,
        )
        if date_problems:
            found.pop("left_on", None)  # told once, in the import's words
        problems += [RowProblem(index, key, message) for key, message in found.items()]
        if pupil is None or left_on is None or found:
            continue
        outcome = _leaver_outcome(pupil, left_on, destination)
        outcomes.append(PupilOutcome(index, upn, outcome.outcome, pupil.pk, outcome.fields))
        if outcome.outcome != "unchanged":
            to_mark.append(Leaving(pupil=pupil, left_on=left_on, leaving_destination=destination))
    if problems:
        return RollBatch(outcomes=[], problems=problems)
    if not dry_run and to_mark:
        pupils_leave(actor=actor, school=school, leavings=to_mark)
    return RollBatch(outcomes=outcomes, problems=[], written=bool(to_mark) and not dry_run)


def _leaver_pupil(
    upn: str, places: dict[str, list[int]], pupils: dict[str, Pupil], index: int
) -> tuple[Pupil | None, str]:
    """The school's pupil a leaver names, or why there is none."""
    if not upn:
        return None, NO_UPN
    if problem := upn_problem(upn):
        return None, problem
    others = [f"leavers[{n}]" for n in places[upn] if n != index]
    if others:
        # The first few only, as the import names them: one UPN sent 5,000 times is 5,000
        # problems, not 25 million places.
        shown, more = others[:OTHER_ROWS_NAMED], len(others) - OTHER_ROWS_NAMED
        return None, f"The UPN {upn} is also in {', '.join(shown)}" + (
            f" and {more} more" if more > 0 else ""
        )
    pupil = pupils.get(upn)
    if pupil is None:
        # The same words for another school's pupil and for no pupil at all.
        return None, f"No pupil on the school's roll has the UPN {upn}: check it against the MIS"
    return pupil, ""


def _leaver_outcome(pupil: Pupil, left_on: datetime.date, destination: str) -> PupilOutcome:
    fields = []
    if pupil.left_on != left_on:
        fields.append("left_on")
    if pupil.leaving_destination != leaving_destination_tidy(destination):
        fields.append("leaving_destination")
    if not fields:
        return PupilOutcome(0, "", "unchanged")
    return PupilOutcome(0, "", "left" if pupil.left_on is None else "updated", fields=fields)
