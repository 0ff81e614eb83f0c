"""`seed_demo()`: the demo trust of docs/architecture.md section 10, seeded area by area through the services."""

from __future__ import annotations

import datetime

from django.db import transaction

from concerns.services import category_seed_defaults
from contacts.services import agency_seed_defaults
from safeguard.roles import RoleKey
from schools import services
from schools.models import Pupil, School, Trust, User
from transfers.signing.keys import signing_key_active, signing_key_generate

from .allegations import seed_demo_allegations
from .categories import seed_demo_categories
from .concerns import seed_demo_concerns
from .contacts import seed_demo_contacts
from .missing import seed_demo_missing
from .people import (
    ROLE_PEOPLE,
    SCHOOL_ROLE_KEYS,
    SCHOOLS,
    TRUST_NAME,
    TRUST_SLUG,
    TSO_EMAIL,
    demo_emails,
    demo_second_factor,
    demo_user,
)
from .pupils import demo_pupils
from .qa import seed_demo_qa
from .referrals import seed_demo_referrals
from .staff import seed_demo_shared_deputy
from .term_dates import seed_term_dates
from .transfers import seed_demo_transfer


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
            user = demo_user(f"{role}@{spec.slug}.example", full_name, job_title, password)
            services.school_membership_grant(user=user, school=school, role=role)
        existing = set(Pupil.objects.filter(school=school).values_list("upn", flat=True))
        for row in demo_pupils(spec, today):
            if row["upn"] in existing:
                continue
            services.pupil_create(school=school, **row)
            pupils_created += 1
        seed_term_dates(school)
        if signing_key_active(school=school) is None:  # issued by the trust's CA, once
            dsl = User.objects.get(email=f"dsl@{spec.slug}.example")
            signing_key_generate(actor=dsl, school=school, issuer="trust")
    category_seed_defaults(trust=trust)
    agency_seed_defaults(trust=trust)
    seed_demo_contacts(trust=trust)
    tso = demo_user(TSO_EMAIL, "Dr Anne Fielding", "Trust Safeguarding Officer", password)
    services.trust_membership_grant(user=tso, trust=trust, role=RoleKey.TSO)
    concerns_created = sum(
        seed_demo_concerns(school=School.objects.get(slug=spec.slug), today=today, history=history)
        for spec in SCHOOLS
    )
    seed_demo_missing(today=today)
    seed_demo_allegations(today=today)
    for spec in SCHOOLS:
        seed_demo_referrals(school=School.objects.get(slug=spec.slug), today=today)
    seed_demo_categories(tso=tso)
    seed_demo_qa(tso=tso, today=today)
    seed_demo_transfer(today=today)  # last: the pupil leaves the roll the seeds above pick from
    seed_demo_shared_deputy(password=password)  # one person with roles in two schools
    for email in demo_emails():
        demo_second_factor(User.objects.get(email=email))
    return {"schools": len(SCHOOLS), "pupils_created": pupils_created, "concerns": concerns_created}
