"""Demo contacts (docs/architecture.md section 10): key contacts of each school and the family contacts of
every demo pupil, written through the services. Idempotent: a school or pupil that already has
contacts is left alone.

Telephone numbers are from Ofcom's ranges kept for drama (07700 900xxx, 01632 960xxx), so no
real person is ever rung from the demo; email addresses are at example.com.
"""

from __future__ import annotations

import random

from contacts import services
from contacts.models import FamilyContact, SchoolKeyContact
from safeguard.roles import RoleKey
from schools.models import Pupil, School, Trust, User

CHAIRS = {
    "alderbrook": "Margaret Hollis",
    "southend-bay": "Desmond Achebe",
    "leicester-road": "Anita Mistry",
}
TRUSTEE = "Colin Barker"

MOTHERS = ["Sarah", "Emma", "Laura", "Fatima", "Joanne", "Aisha", "Claire", "Natalie", "Priya"]
FATHERS = ["James", "Daniel", "Mark", "Imran", "Craig", "Lee", "Tomasz", "Marcus", "Ravi"]
GRANDPARENTS = [("Maureen", "Grandmother"), ("Pat", "Grandmother"), ("Derek", "Grandfather")]
OTHER_SURNAMES = ["Hughes", "Clarke", "Begum", "Nowak", "Okoro", "Fraser", "Doyle", "Price"]
STREETS = ["Church Road", "Station Road", "Mill Lane", "Victoria Street", "Orchard Close"]

# Pupils given a single emergency contact, so the "fewer than two" warning shows in the demo.
ONE_CONTACT_EVERY = 9


def _mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randrange(0, 1000):03d}"


def _landline(rng: random.Random) -> str:
    return f"01632 960{rng.randrange(0, 1000):03d}"


def _address(rng: random.Random, school: School) -> str:
    area = school.postcode.split()[0]
    postcode = f"{area} {rng.randrange(1, 10)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}"
    return f"{rng.randrange(1, 120)} {rng.choice(STREETS)}\n{school.town}\n{postcode}"


def _email(first: str, last: str) -> str:
    return f"{first}.{last}".lower().replace(" ", "").replace("'", "") + "@example.com"


def _family(pupil: Pupil, n: int) -> list[dict]:
    """A household for the pupil: most have two emergency contacts, a few have one."""
    rng = random.Random(f"safeguard-demo-family-{pupil.upn or pupil.pk}")  # noqa: S311 (demo)
    last = pupil.legal_last_name
    home = _address(rng, pupil.school)
    mother, father = rng.choice(MOTHERS), rng.choice(FATHERS)
    parent = {
        "relationship": "mother",
        "name": f"{mother} {last}",
        "parental_responsibility": True,
        "lives_with_pupil": True,
        "emergency_priority": 1,
        "phone": _mobile(rng),
        "phone_other": _landline(rng) if rng.random() < 0.3 else "",
        "email": _email(mother, last),
        "address": home,
    }
    if n % ONE_CONTACT_EVERY == 4:
        return [parent]
    shape = rng.random()
    if shape < 0.5:  # both parents at home
        return [
            parent,
            {
                "relationship": "father",
                "name": f"{father} {last}",
                "parental_responsibility": True,
                "lives_with_pupil": True,
                "emergency_priority": 2,
                "phone": _mobile(rng),
                "email": _email(father, last),
                "address": home,
            },
        ]
    if shape < 0.75:  # separated parents
        other = rng.choice(OTHER_SURNAMES)
        father_row = {
            "relationship": "father",
            "name": f"{father} {other}",
            "parental_responsibility": True,
            "lives_with_pupil": False,
            "emergency_priority": 2,
            "phone": _mobile(rng),
            "email": _email(father, other),
            "address": _address(rng, pupil.school),
            "notes": "Pupil stays with father alternate weekends.",
        }
        if n % 13 == 0:
            father_row.update(
                emergency_priority=None,
                restrictions="Court order: must not collect the pupil. Contact through mother only.",
                notes="",
            )
            return [
                parent,
                father_row,
                {
                    "relationship": "grandparent",
                    "name": f"Maureen {last}",
                    "emergency_priority": 2,
                    "phone": _landline(rng),
                    "address": _address(rng, pupil.school),
                },
            ]
        return [parent, father_row]
    if shape < 0.93:  # a parent and a grandparent
        grandparent, label = rng.choice(GRANDPARENTS)
        return [
            parent,
            {
                "relationship": "grandparent",
                "name": f"{grandparent} {last}",
                "emergency_priority": 2,
                "phone": _landline(rng),
                "phone_other": _mobile(rng),
                "address": _address(rng, pupil.school),
                "notes": f"{label}; collects the pupil on Wednesdays.",
            },
        ]
    carer = rng.choice(OTHER_SURNAMES)  # looked after: foster carer and social worker
    return [
        {
            "relationship": "foster_carer",
            "name": f"{rng.choice(MOTHERS)} {carer}",
            "parental_responsibility": False,
            "lives_with_pupil": True,
            "emergency_priority": 1,
            "phone": _mobile(rng),
            "address": home,
            "notes": "Foster placement. Consent for trips comes from the social worker.",
        },
        {
            "relationship": "social_worker",
            "name": f"{rng.choice(FATHERS)} {rng.choice(OTHER_SURNAMES)}",
            "parental_responsibility": True,
            "emergency_priority": 2,
            "phone": _landline(rng),
            "email": "duty.socialworker@example.com",
            "notes": "The local authority shares parental responsibility under a care order.",
        },
    ]


def seed_demo_contacts(*, trust: Trust) -> int:
    """Key contacts for each school and family contacts for each pupil; returns how many family
    contacts were written."""
    written = 0
    for school in School.objects.filter(trust=trust).order_by("slug"):
        admin = User.objects.filter(
            school_memberships__school=school, school_memberships__role=RoleKey.ADMIN
        ).first()
        if admin is None:
            continue
        if not SchoolKeyContact.objects.filter(school=school).exists():
            services.key_contact_create(
                actor=admin,
                school=school,
                role="chair_of_governors",
                name=CHAIRS.get(school.slug, "Chair of governors"),
                phone=f"01632 960{100 + school.pk % 800:03d}",
                email=f"chair@{school.slug}.example",
                notes="Concerns about the headteacher go to the chair of governors.",
            )
            services.key_contact_create(
                actor=admin,
                school=school,
                role="safeguarding_trustee",
                name=TRUSTEE,
                email="safeguarding.trustee@northgate.example",
                phone="01632 960999",
            )
        has_contacts = set(
            FamilyContact.objects.filter(school=school).values_list("pupil_id", flat=True)
        )
        pupils = Pupil.objects.filter(school=school).order_by("upn", "pk")
        for n, pupil in enumerate(pupils):
            if pupil.pk in has_contacts:
                continue
            for row in _family(pupil, n):
                services.family_contact_create(actor=admin, pupil=pupil, **row)
                written += 1
    return written
