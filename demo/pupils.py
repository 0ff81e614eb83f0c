"""The demo schools' pupils: the same names, dates and UPNs on every machine and every run."""

from __future__ import annotations

import datetime
import random

from .people import DemoSchool

PUPILS_PER_SCHOOL = 60

FIRST_NAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "George",
    "Ava",
    "Noah",
    "Mia",
    "Arthur",
    "Ivy",
    "Muhammad",
    "Freya",
    "Leo",
    "Sophia",
    "Harry",
    "Lily",
    "Oscar",
    "Grace",
    "Jack",
    "Zara",
    "Theo",
    "Aisha",
    "Alfie",
    "Evie",
    "Charlie",
    "Hannah",
    "Kai",
    "Maya",
    "Finley",
    "Ruby",
    "Yusuf",
    "Chloe",
    "Reggie",
    "Poppy",
    "Ethan",
    "Nia",
    "Jayden",
    "Emily",
    "Ibrahim",
    "Daisy",
    "Tyler",
]
LAST_NAMES = [
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Taylor",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Roberts",
    "Robinson",
    "Thompson",
    "Wright",
    "Walker",
    "White",
    "Edwards",
    "Hughes",
    "Green",
    "Hall",
    "Khan",
    "Patel",
    "Ali",
    "Begum",
    "Nowak",
    "Kowalski",
    "Okoye",
    "Mensah",
    "O'Brien",
    "Murphy",
    "Clarke",
    "Lewis",
    "Hussain",
    "Ahmed",
    "Campbell",
    "Kaur",
    "Singh",
]
PREFERRED = {
    "Muhammad": "Mo",
    "Alfie": "Alf",
    "Sophia": "Sophie",
    "Ibrahim": "Ibi",
    "Charlie": "Charlie",
}

_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


def upn_with_check_letter(digits: str) -> str:
    """A UPN: the DfE check letter (weights 2 to 13, modulo 23) then 12 digits."""
    total = sum(int(d) * w for d, w in zip(digits, range(2, 14), strict=True))
    return _UPN_CHECK_LETTERS[total % 23] + digits


def _age_for_year(year: str) -> int:
    return {"N": 3, "R": 4}.get(year, int(year) + 4 if year.isdigit() else 4)


def demo_pupils(school: DemoSchool, today: datetime.date) -> list[dict]:
    """The school's pupils as rows for `pupil_create`: the same ones on every run and machine."""
    rng = random.Random(f"safeguard-demo-{school.slug}")  # noqa: S311 (demo data, not security)
    academic_year_start = today.year if today.month >= 9 else today.year - 1
    rows = []
    for n in range(PUPILS_PER_SCHOOL):
        year = school.years[n % len(school.years)]
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        age_on_1_sept = _age_for_year(year)
        birth_year = academic_year_start - age_on_1_sept - 1
        dob = datetime.date(birth_year, 9, 1) + datetime.timedelta(days=rng.randrange(0, 365))
        joined = datetime.date(academic_year_start - (rng.randrange(0, 3)), 9, 4)
        serial = f"{n + 1:03d}"
        # The UPN depends only on the school and the pupil's number, never on today's date, so a
        # second run on another day finds the same pupils (allocation year fixed at 24).
        upn = upn_with_check_letter(f"{school.la_code}{school.urn[-4:]}24{serial}")
        reg = f"{year}{'ABC'[n % 3]}" if year.isdigit() else f"R{'ABC'[n % 3]}"
        left_on = None
        if n in (57, 58, 59):  # three pupils who have left: the roll keeps them, searches hide them
            left_on = today - datetime.timedelta(days=30 + n)
            joined = min(joined, left_on - datetime.timedelta(days=200))
        rows.append(
            {
                "legal_first_name": first,
                "legal_last_name": last,
                "preferred_first_name": PREFERRED.get(first, "") if rng.random() < 0.5 else "",
                "date_of_birth": dob,
                "upn": upn,
                "year_group": year,
                "registration_group": reg,
                "joined_on": joined,
                "left_on": left_on,
                **_demo_characteristics(school.slug, n),
            }
        )
    return rows


def _demo_characteristics(slug: str, n: int) -> dict[str, object]:
    """A pupil's characteristics from the roll, in proportions like England's schools, from a
    generator of their own (so the names and dates above are as before); a few not recorded."""
    rng = random.Random(f"safeguard-demo-characteristics-{slug}-{n}")  # noqa: S311 (demo data)
    r = rng.random()
    fsm = None if rng.random() < 0.03 else rng.random() < 0.24
    codes = "WBRI WOTH MWBC MOTH AIND APKN BAFR BCRB CHNE OOTH REFU -".split()
    weights = [62, 6, 2, 3, 4, 4, 4, 1, 1, 2, 1, 10]
    ethnicity = rng.choices(codes, weights=weights)[0].strip("-")  # "-": not recorded
    return {
        "gender": rng.choices(["F", "M", "U", ""], weights=[49, 49, 1, 1])[0],
        "ethnicity": ethnicity,
        "sen_provision": "E" if r < 0.04 else "K" if r < 0.17 else "" if r < 0.19 else "N",
        "fsm_eligible": fsm,
        "pupil_premium": None if fsm is None else fsm or rng.random() < 0.05,
        "looked_after": rng.random() < 0.02,
    }
