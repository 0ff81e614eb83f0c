"""The demo trust of DESIGN.md section 10: a stable contract that tests and reviewers rely on."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import transaction

from safeguard.roles import ROLES, Scope

from . import services
from .models import Pupil, School, SchoolClosure, Trust, User

DEMO_PASSWORD_DEFAULT = "demo-password-123"  # noqa: S105 (documented demo password)
TRUST_NAME = "Northgate Learning Trust"
TRUST_SLUG = "northgate"
TSO_EMAIL = "tso@northgate.example"
SCHOOL_ROLE_KEYS = [k for k, r in ROLES.items() if r.scope is Scope.SCHOOL]
PUPILS_PER_SCHOOL = 60


@dataclass(frozen=True)
class DemoSchool:
    name: str
    slug: str
    urn: str
    local_authority: str
    la_code: str
    prefix: str
    address_line_1: str
    town: str
    postcode: str
    phone: str
    years: tuple[str, ...]


SCHOOLS = [
    DemoSchool(
        "Alderbrook Primary",
        "alderbrook",
        "900101",
        "Essex",
        "881",
        "ALD",
        "12 Alder Lane",
        "Chelmsford",
        "CM1 4XA",
        "01245 000101",
        ("R", "1", "2", "3", "4", "5", "6"),
    ),
    DemoSchool(
        "Southend Bay Academy",
        "southend-bay",
        "900102",
        "Southend-on-Sea",
        "882",
        "SBA",
        "80 Shoreline Road",
        "Southend-on-Sea",
        "SS1 2ZZ",
        "01702 000102",
        ("7", "8", "9", "10", "11"),
    ),
    DemoSchool(
        "Leicester Road School",
        "leicester-road",
        "900103",
        "Leicestershire",
        "855",
        "LRS",
        "3 Leicester Road",
        "Loughborough",
        "LE11 9QQ",
        "01509 000103",
        ("7", "8", "9", "10", "11"),
    ),
]

# 2026/27 term dates in the pattern the three local authorities publish: the holidays and half
# terms each school shares with its authority, then its own INSET days. (First day, last day.)
_HOLIDAYS_2026_27 = [
    ("Summer holiday", datetime.date(2026, 7, 23), datetime.date(2026, 9, 1)),
    ("October half term", datetime.date(2026, 10, 26), datetime.date(2026, 10, 30)),
    ("Christmas holiday", datetime.date(2026, 12, 21), datetime.date(2027, 1, 1)),
    ("February half term", datetime.date(2027, 2, 15), datetime.date(2027, 2, 19)),
    ("Easter holiday", datetime.date(2027, 3, 29), datetime.date(2027, 4, 9)),
    ("May half term", datetime.date(2027, 5, 31), datetime.date(2027, 6, 4)),
    ("Summer holiday", datetime.date(2027, 7, 22), datetime.date(2027, 8, 31)),
]
DEMO_CLOSURES: dict[str, list[tuple[str, datetime.date, datetime.date]]] = {
    "alderbrook": [
        *_HOLIDAYS_2026_27,
        ("INSET day", datetime.date(2026, 9, 2), datetime.date(2026, 9, 2)),
        ("INSET day", datetime.date(2027, 1, 4), datetime.date(2027, 1, 4)),
        ("INSET day", datetime.date(2027, 6, 7), datetime.date(2027, 6, 7)),
    ],
    "southend-bay": [
        *_HOLIDAYS_2026_27,
        ("INSET days", datetime.date(2026, 9, 2), datetime.date(2026, 9, 3)),
        ("INSET day", datetime.date(2027, 1, 4), datetime.date(2027, 1, 4)),
        ("INSET day", datetime.date(2027, 7, 21), datetime.date(2027, 7, 21)),
    ],
    "leicester-road": [
        *_HOLIDAYS_2026_27,
        ("INSET day", datetime.date(2026, 9, 2), datetime.date(2026, 9, 2)),
        ("INSET day", datetime.date(2026, 11, 2), datetime.date(2026, 11, 2)),
        ("INSET day", datetime.date(2027, 2, 22), datetime.date(2027, 2, 22)),
    ],
}
# The dates are checked (range, overlaps) as on the first day of the school year they belong to.
DEMO_TERM_DATES_CHECKED_ON = datetime.date(2026, 9, 1)


def _seed_term_dates(school: School) -> None:
    """The school's 2026/27 closures, unless it has recorded its own (its edits win)."""
    if SchoolClosure.objects.filter(school=school).exists():
        return
    for name, first_day, last_day in DEMO_CLOSURES[school.slug]:
        services.school_closure_create(
            actor=None,
            school=school,
            name=name,
            first_day=first_day,
            last_day=last_day,
            today=DEMO_TERM_DATES_CHECKED_ON,
        )


ROLE_PEOPLE = {
    "staff": ("Sam Taylor", "Class teacher"),
    "dsl": ("Priya Shah", "Designated Safeguarding Lead"),
    "deputy": ("Tom Okafor", "Deputy Designated Safeguarding Lead"),
    "head": ("Helen Marsh", "Headteacher"),
    "admin": ("Gary Doyle", "School business manager"),
    "governor": ("Ruth Ellis", "Safeguarding governor"),
}

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


def _demo_pupils(school: DemoSchool, today: datetime.date) -> list[dict]:
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


def _user(email: str, full_name: str, job_title: str, password: str) -> User:
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return services.user_create(
            email=email, full_name=full_name, job_title=job_title, password=password
        )
    changed = user.full_name != full_name or user.job_title != job_title
    if not user.check_password(password):
        user.set_password(password)
        changed = True
    if changed:
        user.full_name, user.job_title = full_name, job_title
        user.save()
    return user


@transaction.atomic
def seed_demo(*, password: str, today: datetime.date, history: bool = True) -> dict[str, int]:
    """Create or bring up to date the demo trust; running it again changes nothing. `history`:
    write each new school's year of concerns for the dashboards first (about 7 seconds; tests
    that never look at a dashboard leave it out)."""
    trust, _ = Trust.objects.get_or_create(slug=TRUST_SLUG, defaults={"name": TRUST_NAME})
    pupils_created = 0
    for spec in SCHOOLS:
        school, _ = School.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "trust": trust,
                "name": spec.name,
                "urn": spec.urn,
                # LAESTAB, as a CTF's header names the school: the same digits as its UPNs start.
                "dfe_number": f"{spec.la_code}{spec.urn[-4:]}",
                "local_authority": spec.local_authority,
                "reference_prefix": spec.prefix,
                "address_line_1": spec.address_line_1,
                "town": spec.town,
                "postcode": spec.postcode,
                "phone": spec.phone,
                "email": f"safeguarding@{spec.slug}.example",
            },
        )
        for role in SCHOOL_ROLE_KEYS:
            full_name, job_title = ROLE_PEOPLE[role]
            user = _user(f"{role}@{spec.slug}.example", full_name, job_title, password)
            services.school_membership_grant(user=user, school=school, role=role)
        existing = set(Pupil.objects.filter(school=school).values_list("upn", flat=True))
        for row in _demo_pupils(spec, today):
            if row["upn"] in existing:
                continue
            services.pupil_create(school=school, **row)
            pupils_created += 1
        _seed_term_dates(school)
        from transfers.signing import signing_key_active, signing_key_generate

        if signing_key_active(school=school) is None:  # issued by the trust's CA, once
            dsl = User.objects.get(email=f"dsl@{spec.slug}.example")
            signing_key_generate(actor=dsl, school=school, issuer="trust")
    from concerns.demo import seed_demo_concerns
    from concerns.services import category_seed_defaults
    from contacts.demo import seed_demo_contacts
    from contacts.services import agency_seed_defaults

    category_seed_defaults(trust=trust)
    agency_seed_defaults(trust=trust)
    seed_demo_contacts(trust=trust)
    tso = _user(TSO_EMAIL, "Dr Anne Fielding", "Trust Safeguarding Officer", password)
    services.trust_membership_grant(user=tso, trust=trust, role="tso")
    concerns_created = sum(
        seed_demo_concerns(school=School.objects.get(slug=spec.slug), today=today, history=history)
        for spec in SCHOOLS
    )
    from concerns.demo_missing import seed_demo_missing

    seed_demo_missing(today=today)
    from allegations.demo import seed_demo_allegations

    seed_demo_allegations(today=today)
    from referrals.demo import seed_demo_referrals

    for spec in SCHOOLS:
        seed_demo_referrals(school=School.objects.get(slug=spec.slug), today=today)
    from oversight.category_demo import seed_demo_categories

    seed_demo_categories(tso=tso)
    from oversight.qa_demo import seed_demo_qa

    seed_demo_qa(tso=tso, today=today)
    from transfers.demo import seed_demo_transfer

    seed_demo_transfer(today=today)  # last: the pupil leaves the roll the seeds above pick from
    from schools.staff.demo import seed_demo_shared_deputy

    seed_demo_shared_deputy(password=password)  # one person with roles in two schools
    return {"schools": len(SCHOOLS), "pupils_created": pupils_created, "concerns": concerns_created}


def demo_emails() -> list[str]:
    """Every sign-in the demo contract promises."""
    from schools.staff.demo import SHARED_DEPUTY_EMAIL

    return [f"{role}@{s.slug}.example" for s in SCHOOLS for role in SCHOOL_ROLE_KEYS] + [
        TSO_EMAIL,
        SHARED_DEPUTY_EMAIL,
    ]
