"""Pupil characteristics on the dashboards (issue 14): the groups a dashboard can be narrowed to
or broken down by, and the small-number suppression of the governor's figures (docs/adr/0026).

The characteristics are the roll's, as they stand now (`schools.Pupil`: SEN provision, free school
meals, pupil premium, looked after, gender, ethnicity). Each characteristic's groups include "Not
recorded", so every pupil is in exactly one group of each characteristic and the groups add up to
all pupils. A group is a `Q` over a pupil's fields under a path (`""` on `Pupil`, `"pupil__"` on
a concern's pupils), so the same definition filters pupils, involvements and categories.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q

from schools.characteristics import ETHNIC_GROUPS
from schools.models import Gender, SenProvision

FEWER_THAN = 3  # counts from 1 to FEWER_THAN - 1 are hidden from governors
SUPPRESSED = f"fewer than {FEWER_THAN}"


@dataclass(frozen=True)
class PupilGroup:
    """A group of pupils by one characteristic ("SEN support", "Eligible for free school
    meals")."""

    key: str  # in the URL: ?pupils=sen-support
    characteristic: str  # the characteristic's key ("sen")
    label: str
    lookups: Callable[[str], Q]  # the group's pupils, with every lookup under a path

    def q(self, path: str = "") -> Q:
        """The group's pupils as a filter, with every lookup under `path` ("pupil__")."""
        return self.lookups(path)

    @property
    def description(self) -> str:
        """The group in a sentence: "pupils with SEN support"."""
        return f"pupils: {self.label[:1].lower()}{self.label[1:]}"


def _is(field: str, value: object) -> Callable[[str], Q]:
    return lambda p: Q(**{f"{p}{field}": value})


def _one_of(field: str, values: Sequence[str]) -> Callable[[str], Q]:
    return lambda p: Q(**{f"{p}{field}__in": list(values)})


def _none_of(field: str, values: Sequence[str]) -> Callable[[str], Q]:
    """Not recorded: anything but the known codes (blank, or a code no list has)."""
    return lambda p: ~Q(**{f"{p}{field}__in": list(values)})


def _starts_with(p: str, letter: str) -> Q:
    """An ethnicity code starting with the letter, in either case. The same as `istartswith`,
    whose UPPER() hides the codes from PostgreSQL's statistics: it took the White group (two
    thirds of the pupils) for 200 pupils and read all their involvements (ADR 0026)."""
    return Q(**{f"{p}ethnicity__startswith": letter.upper()}) | Q(
        **{f"{p}ethnicity__startswith": letter.lower()}
    )


def _recorded_ethnicity(p: str) -> Q:
    main = [_starts_with(p, g) for g in "WMABCO"]
    return reduce(or_, [*main, Q(**{f"{p}ethnicity__in": ["REFU", "NOBT"]})])


def _ethnic(group: str) -> Callable[[str], Q]:
    if group == "":
        return lambda p: ~_recorded_ethnicity(p)
    if len(group) == 1:
        return lambda p: _starts_with(p, group)
    return lambda p: Q(**{f"{p}ethnicity": group})


def _yes_no(field: str, key: str, yes: str, no: str) -> list[PupilGroup]:
    return [
        PupilGroup(f"{key}-yes", key, yes, _is(field, True)),
        PupilGroup(f"{key}-no", key, no, _is(field, False)),
        PupilGroup(f"{key}-not-recorded", key, "Not recorded", _is(f"{field}__isnull", True)),
    ]


SEN_CODES = [c.value for c in SenProvision]
GENDER_CODES = [c.value for c in Gender]

CHARACTERISTICS: dict[str, str] = {
    "sen": "Special educational needs",
    "fsm": "Free school meals",
    "pp": "Pupil premium",
    "lac": "Looked after",
    "gender": "Gender",
    "ethnicity": "Ethnic group",
}

# The groups of each characteristic, which add up to all its pupils ("Not recorded" included).
BREAKDOWN: dict[str, list[PupilGroup]] = {
    "sen": [
        PupilGroup("sen-none", "sen", "No special educational needs", _is("sen_provision", "N")),
        PupilGroup("sen-support", "sen", "SEN support", _is("sen_provision", "K")),
        PupilGroup("ehc-plan", "sen", "EHC plan", _is("sen_provision", "E")),
        PupilGroup("sen-not-recorded", "sen", "Not recorded", _none_of("sen_provision", SEN_CODES)),
    ],
    "fsm": _yes_no(
        "fsm_eligible",
        "fsm",
        "Eligible for free school meals",
        "Not eligible for free school meals",
    ),
    "pp": _yes_no("pupil_premium", "pp", "Pupil premium", "Not pupil premium"),
    "lac": _yes_no("looked_after", "lac", "Looked after", "Not looked after"),
    "gender": [
        PupilGroup("gender-f", "gender", "Female", _is("gender", "F")),
        PupilGroup("gender-m", "gender", "Male", _is("gender", "M")),
        PupilGroup("gender-u", "gender", "Gender not known", _is("gender", "U")),
        PupilGroup(
            "gender-not-recorded", "gender", "Not recorded", _none_of("gender", GENDER_CODES)
        ),
    ],
    "ethnicity": [
        PupilGroup(
            f"ethnic-{code.lower() or 'not-recorded'}",
            "ethnicity",
            label if code else "Not recorded",
            _ethnic(code),
        )
        for code, label in ETHNIC_GROUPS.items()
    ],
}

# Groups a dashboard can be narrowed to but that are not one row of a breakdown.
SEN_ANY = PupilGroup(
    "sen-any", "sen", "SEN support or EHC plan", _one_of("sen_provision", ["K", "E"])
)
ALL_PUPILS = PupilGroup("all", "", "All pupils", _is("pk__isnull", False))

GROUPS: dict[str, PupilGroup] = {
    g.key: g for g in [SEN_ANY, *(g for groups in BREAKDOWN.values() for g in groups)]
}


def group_label(group: PupilGroup) -> str:
    """The group with its characteristic where the label alone is unclear ("Gender: not
    recorded")."""
    if group.label == "Not recorded":
        return f"{CHARACTERISTICS[group.characteristic]}: not recorded"
    if group.characteristic == "ethnicity":
        return f"Ethnic group: {group.label}"
    return group.label


def group_choices() -> list[tuple[str, object]]:
    """The filter's choices, by characteristic (an option group each)."""
    choices: list[tuple[str, object]] = [("", "All pupils")]
    for key, name in CHARACTERISTICS.items():
        options = [(g.key, group_label(g)) for g in BREAKDOWN[key]]
        if key == "sen":
            options.insert(1, (SEN_ANY.key, SEN_ANY.label))
        choices.append((name, options))
    return choices


# --- Small numbers ----------------------------------------------------------------------------


def hidden(n: int | None) -> bool:
    """A count a governor does not see: 1 or 2 (0 says nobody, 3 or more names no one)."""
    return n is not None and 0 < n < FEWER_THAN


def hide_parts(parts: Sequence[int]) -> list[bool]:
    """Which of `parts` (counts that add up to a total a reader knows, such as the pupils on
    roll) to hide: the small ones, and, when exactly one would be hidden, the smallest other
    non-zero one too, so no hidden count can be worked out by subtraction from the total
    (secondary suppression). With every other part 0, the total is the hidden count, small too."""
    hide = [hidden(n) for n in parts]
    if sum(hide) == 1:
        rest = [(n, i) for i, n in enumerate(parts) if not hide[i] and n > 0]
        if rest:
            hide[min(rest)[1]] = True
    return hide
