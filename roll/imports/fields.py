"""The roll's fields as an import reads them: labels, the headings MIS exports use, and how a
cell's text becomes a value (or a plain-English problem).

A CSV cell and a CTF element go through the same `clean_values`, so a date, a year group or a
yes/no answer is read the same way whichever file it came in.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from roll.rules import long_date, upn_problem
from schools.characteristics import ethnicity_problem
from schools.models import Gender, SenProvision, YearGroup

# Characters a spreadsheet would treat as the start of a formula: a "name" starting with one is
# almost always a formula or an attack on whoever opens an export later, never a real name.
FORMULA_STARTS = ("=", "+", "-", "@")
# What replaces a NUL or an undecodable byte when a file is read, so the row can be reported.
UNREADABLE = "\ufffd"


@dataclass(frozen=True)
class RollField:
    key: str
    label: str
    kind: str  # text, upn, date, year, gender, sen, ethnicity, bool
    required: bool = False
    max_length: int = 0
    headings: tuple[str, ...] = ()


ROLL_FIELDS: list[RollField] = [
    RollField("upn", "UPN", "upn", headings=("upn", "uniquepupilnumber")),
    RollField(
        "legal_last_name",
        "Legal surname",
        "text",
        required=True,
        max_length=100,
        headings=("legalsurname", "surname", "legallastname", "lastname", "familyname"),
    ),
    RollField(
        "legal_first_name",
        "Legal forename",
        "text",
        required=True,
        max_length=100,
        headings=("legalforename", "forename", "legalfirstname", "firstname", "givenname"),
    ),
    RollField(
        "legal_middle_names",
        "Middle names",
        "text",
        max_length=150,
        headings=("middlenames", "middlename", "legalmiddlenames", "middlenamess"),
    ),
    RollField(
        "preferred_first_name",
        "Preferred forename",
        "text",
        max_length=100,
        headings=("preferredforename", "preferredfirstname", "knownas"),
    ),
    RollField(
        "preferred_last_name",
        "Preferred surname",
        "text",
        max_length=100,
        headings=("preferredsurname", "preferredlastname"),
    ),
    RollField(
        "date_of_birth",
        "Date of birth",
        "date",
        required=True,
        headings=("dob", "dateofbirth", "birthdate"),
    ),
    RollField(
        "year_group",
        "Year group",
        "year",
        required=True,
        headings=("year", "ncyear", "yeargroup", "ncyearactual", "curriculumyear", "yr"),
    ),
    RollField(
        "registration_group",
        "Registration group",
        "text",
        max_length=20,
        headings=("reg", "reggroup", "registrationgroup", "form", "formgroup", "tutorgroup"),
    ),
    RollField(
        "admission_number",
        "Admission number",
        "text",
        max_length=20,
        headings=("adno", "admissionnumber", "admno", "admissionno"),
    ),
    RollField("gender", "Gender", "gender", headings=("gender", "sex")),
    RollField("ethnicity", "Ethnicity", "ethnicity", headings=("ethnicity", "ethnicitycode")),
    RollField(
        "sen_provision",
        "Special educational needs",
        "sen",
        headings=("sen", "senstatus", "senprovision", "sendstatus"),
    ),
    RollField(
        "fsm_eligible",
        "Free school meals",
        "bool",
        headings=("fsm", "fsmeligible", "freeschoolmeals", "fsmeligibility"),
    ),
    RollField(
        "pupil_premium",
        "Pupil premium",
        "bool",
        headings=("pupilpremium", "pp", "ppindicator", "pupilpremiumindicator"),
    ),
    RollField(
        "looked_after",
        "Looked after",
        "bool",
        headings=("lookedafter", "cla", "incare", "lac", "childlookedafter"),
    ),
    RollField(
        "joined_on",
        "Date of admission",
        "date",
        headings=("dateofadmission", "startdate", "admissiondate", "entrydate", "dateofentry"),
    ),
    RollField(
        "left_on",
        "Leaving date",
        "date",
        headings=("leavingdate", "dateofleaving", "enddate", "leftdate", "dateleft"),
    ),
]
FIELDS: dict[str, RollField] = {f.key: f for f in ROLL_FIELDS}
REQUIRED = [f.key for f in ROLL_FIELDS if f.required]


def heading_key(heading: str) -> str:
    """A heading as suggestions compare it: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", heading.lower())


def suggest_columns(headings: list[str]) -> dict[str, int]:
    """The column each roll field most likely is in, from the headings MIS exports use."""
    keys = [heading_key(h) for h in headings]
    chosen: dict[str, int] = {}
    taken: set[int] = set()
    for field in ROLL_FIELDS:
        for wanted in field.headings:  # in order of preference: "Legal Surname" before "Surname"
            if wanted in keys and keys.index(wanted) not in taken:
                chosen[field.key] = keys.index(wanted)
                taken.add(keys.index(wanted))
                break
    return chosen


# --- Reading one value --------------------------------------------------------------------------

# A time of midnight after the date is what Excel and some MIS exports add to a date column.
_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:\s+00:00(?::00)?)?$")
_EXCEL_SERIAL = re.compile(r"^\d{5}$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.+\-Z]*)?$")
_YEAR = re.compile(r"^(?:NC\s*)?(?:YEAR|YR|Y)?\s*(\d{1,2})$")
_TRUE = {"yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}
_GENDERS = {
    "m": "M",
    "male": "M",
    "boy": "M",
    "f": "F",
    "female": "F",
    "girl": "F",
    "u": "U",
    "unknown": "U",
    "not known": "U",
    "notknown": "U",
    "x": "U",
}
_SEN = {
    "n": "N",
    "none": "N",
    "no sen": "N",
    "no special educational needs": "N",
    "k": "K",
    "sen support": "K",
    "support": "K",
    # School Action and School Action Plus became SEN support in 2014.
    "a": "K",
    "p": "K",
    "e": "E",
    "ehc plan": "E",
    "ehcp": "E",
    "education, health and care plan": "E",
    "education health and care plan": "E",
    # A statement of SEN became an EHC plan.
    "s": "E",
    "statement": "E",
}
_YEAR_GROUPS = frozenset(YearGroup.values)
OLDEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)


class ValueProblemError(ValueError):
    """A cell that cannot be read as its field; the message is for the person importing."""


def parse_date(text: str) -> datetime.date:
    """A date written dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd (ASCII digits only)."""
    text = text.strip()
    if not text.isascii():
        raise ValueProblemError("Write the date with the digits 0 to 9, like 25/12/2015")
    if match := _DATE_DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _DATE_ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    elif _EXCEL_SERIAL.match(text):
        raise ValueProblemError(
            f"“{text}” is a date as Excel stores it, not as it shows it: format the column as a "
            "date (like 25/12/2015) in Excel, save the file and upload it again"
        )
    else:
        raise ValueProblemError(f"“{_short(text)}” is not a date: write it like 25/12/2015")
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        raise ValueProblemError(f"“{_short(text)}” is not a real date") from None
    if not OLDEST_DATE <= value <= LATEST_DATE:
        raise ValueProblemError(f"“{_short(text)}” is not a plausible date: check the year")
    return value


def parse_year_group(text: str) -> str:
    """A year group as YearGroup stores it: "Year 7", "Y7", "7" → "7"; "Reception" → "R"."""
    words = " ".join(text.strip().upper().split())
    if words in {"R", "REC", "RECEPTION", "YEAR R", "YR", "Y R", "F2"}:
        return "R"
    if words in {"N", "N1", "N2", "NURSERY", "NURSERY 1", "NURSERY 2", "F1", "E1", "E2"}:
        return "N"
    if words.isascii() and (match := _YEAR.match(words)):
        number = str(int(match.group(1)))
        if number in _YEAR_GROUPS:
            return number
    raise ValueProblemError(
        f"“{_short(text)}” is not a year group: use Nursery, Reception or Year 1 to Year 13"
    )


def parse_yes_no(text: str) -> bool | None:
    """Yes/no in the ways MIS exports write it; blank is "not recorded" (None)."""
    word = text.strip().lower()
    if not word:
        return None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueProblemError(
        f"“{_short(text)}” is not yes or no: use Yes, No, Y, N, 1, 0 or leave blank"
    )


def parse_gender(text: str) -> str:
    word = " ".join(text.strip().lower().split())
    if not word:
        return ""
    if word in _GENDERS:
        return _GENDERS[word]
    raise ValueProblemError(f"“{_short(text)}” is not a gender the DfE codes: use M, F or U")


def parse_sen(text: str) -> str:
    word = " ".join(text.strip().lower().split())
    if not word:
        return ""
    if word in _SEN:
        return _SEN[word]
    raise ValueProblemError(
        f"“{_short(text)}” is not an SEN provision: use N (none), K (SEN support) or E (EHC plan)"
    )


def _short(text: str, limit: int = 40) -> str:
    text = text.replace(UNREADABLE, "?")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clean_text(field: RollField, text: str) -> str:
    if text.startswith(FORMULA_STARTS):
        raise ValueProblemError(
            f"“{_short(text)}” looks like a spreadsheet formula, not a {field.label.lower()}"
        )
    if field.max_length and len(text) > field.max_length:
        raise ValueProblemError(
            f"{field.label[:1].upper()}{field.label[1:]} must be {field.max_length} characters "
            "or fewer"
        )
    if field.required and not text:
        raise ValueProblemError(f"Enter the {field.label.lower()}")
    return " ".join(text.split())


def _clean_upn(field: RollField, text: str) -> str:
    upn = text.upper()
    if problem := upn_problem(upn):
        raise ValueProblemError(problem)
    return upn


def _clean_date(field: RollField, text: str) -> str | None:
    if not text:
        if field.required:
            raise ValueProblemError(f"Enter the {field.label.lower()}")
        return None
    return parse_date(text).isoformat()


def _clean_year(field: RollField, text: str) -> str:
    if not text:
        raise ValueProblemError("Enter the year group")
    return parse_year_group(text)


def _clean_ethnicity(field: RollField, text: str) -> str:
    if problem := ethnicity_problem(text):
        raise ValueProblemError(problem)
    return text.upper()


# How a cell of each kind of field becomes a value (RollField.kind).
_CLEAN_BY_KIND: dict[str, Callable[[RollField, str], Any]] = {
    "text": _clean_text,
    "upn": _clean_upn,
    "date": _clean_date,
    "year": _clean_year,
    "gender": lambda field, text: parse_gender(text),
    "sen": lambda field, text: parse_sen(text),
    "ethnicity": _clean_ethnicity,
    "bool": lambda field, text: parse_yes_no(text),
}


def _clean_one(field: RollField, raw: str) -> Any:
    text = raw.strip()
    if UNREADABLE in text:
        raise ValueProblemError(
            "This cell holds a character that is not text (a NUL or unreadable byte)"
        )
    return _CLEAN_BY_KIND[field.kind](field, text)


def clean_values(raw: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The values of one row as the roll stores them (JSON-ready), and (field, message) problems.

    Only the fields in `raw` are returned: a field the file does not give is left as it is on
    the roll.
    """
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, text in raw.items():
        field = FIELDS[key]
        try:
            values[key] = _clean_one(field, text or "")
        except ValueProblemError as problem:
            problems.append((key, str(problem)))
    return values, problems


# --- Showing a value ----------------------------------------------------------------------------


def display(key: str, value: Any) -> str:
    """A stored value in words, as the preview shows it."""
    kind = FIELDS[key].kind
    if value is None or value == "":
        return "Not recorded" if kind == "bool" else "(blank)"
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "date":
        return long_date(datetime.date.fromisoformat(value))
    if kind == "year":
        return str(YearGroup(value).label)
    if kind == "gender":
        return str(Gender(value).label)
    if kind == "sen":
        return str(SenProvision(value).label)
    return str(value)


def stored(pupil: Any, key: str) -> Any:
    """A pupil's current value of a field, in the form `clean_values` gives."""
    value = getattr(pupil, key)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
