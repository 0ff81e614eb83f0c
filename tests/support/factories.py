"""factory-boy factories; related rows stay in the same school."""

from __future__ import annotations

import datetime

import factory

from schools import services
from schools.models import Pupil, School, Trust, User

PASSWORD = "correct-horse-battery"

# Names HTML writes as themselves. Faker's en_GB names now and then hold an apostrophe
# (Paul O'Sullivan), which a page escapes, so a test that looks for the name in the HTML would
# fail one run in many. Names with apostrophes, accents and markup are tested on purpose, by
# name, where they matter (tests/roll/imports, tests/safeguard/test_search_terms.py).
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .-")


class PlainFaker(factory.Faker):
    """A Faker value drawn again until HTML would not change it."""

    def evaluate(self, instance: object, step: object, extra: dict[str, object]) -> str:
        while True:
            value = str(super().evaluate(instance, step, dict(extra)))
            if set(value) <= _PLAIN:
                return value


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Trust {n}")
    slug = factory.Sequence(lambda n: f"trust-{n}")


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    trust = factory.SubFactory(TrustFactory)
    name = factory.Sequence(lambda n: f"School {n}")
    slug = factory.Sequence(lambda n: f"school-{n}")
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    local_authority = "Essex"
    reference_prefix = factory.Sequence(
        lambda n: "S" + "".join(chr(65 + int(d)) for d in f"{n:03d}")
    )
    address_line_1 = "1 High Street"
    town = "Chelmsford"
    postcode = "CM1 1AA"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = PlainFaker("name", locale="en_GB")
    job_title = "Teacher"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            self.save()


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    legal_first_name = PlainFaker("first_name", locale="en_GB")
    legal_last_name = PlainFaker("last_name", locale="en_GB")
    date_of_birth = datetime.date(2015, 3, 14)
    upn = ""
    year_group = "5"
    registration_group = "5A"
    joined_on = datetime.date(2021, 9, 1)

    @classmethod
    def _create(cls, model_class: type[Pupil], *args: object, **kwargs: object) -> Pupil:
        return services.pupil_create(**kwargs)  # type: ignore[arg-type]


def member(school: School, role: str, **user_fields: object) -> User:
    """A new person holding `role` in `school`."""
    user = UserFactory(**user_fields)
    services.school_membership_grant(user=user, school=school, role=role)
    return user


def trust_member(trust: Trust, role: str, **user_fields: object) -> User:
    user = UserFactory(**user_fields)
    services.trust_membership_grant(user=user, trust=trust, role=role)
    return user


FIRST_NAMES_FOR_BENCH = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur"]
LAST_NAMES_FOR_BENCH = ["Smith", "Jones", "Williams", "Brown", "Taylor", "Davies", "Khan", "Patel"]
