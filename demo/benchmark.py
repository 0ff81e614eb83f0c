"""The trust of 50 schools with 1,000,000 concerns for the trust dashboard benchmark (issue 8),
loaded by `python manage.py seed_oversight_benchmark` (demo/management/commands/).

PostgreSQL only: rows go in with COPY, table by table, in one transaction (about five minutes on
this 2-core machine for the full size, and two more to tally the days). What goes in, in
proportions a large secondary school would recognise (per school about 4,000 concerns a year):

- a trust "Benchmark Learning Trust" with the default category list, its TSO
  `tso@benchmark.example`, and per school a DSL and 20 members of staff who write concerns
  (none can sign in: their passwords are unusable);
- 800 pupils per school, every year group from 7 to 13;
- concerns over the last `--years` years, fewer at weekends and in August, a school's rate
  between half and one and a half times the mean; 80% about one pupil, 15% two, 5% three; each
  pupil with one category (75%) or two; 1% restricted, 3% with a child in immediate danger;
- every concern older than three days opened by the DSL (after a log-normal wait, median about
  two hours), half of the last three days' still waiting; a signed DSL record for each opened one;
- follow-up actions for a quarter of opened concerns, referrals for 8% (older ones closed),
  CP files for 4% of pupils (most closed), risk assessments and plans with review dates around
  today.

The rows are made directly, not through the services: nothing is hashed or chained (the content
hashes are placeholders), so this trust is for measuring, never for a demo. The guards that refuse
adding pupils to a signed concern are switched off for the load (inside the transaction, so they
are back whatever happens).
"""

from __future__ import annotations

import datetime
import itertools
import json
import math
import random
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.management.base import CommandError
from django.db import connection, models
from django.utils import timezone

from chronology.models import CpFile, PupilStatus, RiskAssessment
from concerns.models import (
    Action,
    Category,
    Concern,
    ConcernPupil,
    DslRecord,
    InvolvementCategory,
    LevelOfNeed,
)
from concerns.services import category_seed_defaults
from contacts.models import Agency
from demo.benchmark_text import Words
from oversight.dashboards.tally import tally_refresh
from oversight.models import ConcernTally
from referrals.models import Referral
from safeguard.roles import RoleKey
from schools import services as school_services
from schools.models import Pupil, School, SchoolMembership, Trust, User, YearGroup

TRUST_NAME = "Benchmark Learning Trust"
TRUST_SLUG = "benchmark-trust"
TSO_EMAIL = "tso@benchmark.example"
PUPILS_PER_SCHOOL = 800
STAFF_PER_SCHOOL = 20
PLACEHOLDER_HASH = "b" * 64
SECONDARY_YEARS = [YearGroup.Y7, YearGroup.Y8, YearGroup.Y9, YearGroup.Y10, YearGroup.Y11]
SIXTH_FORM = [YearGroup.Y12, YearGroup.Y13]
LEVELS_OF_NEED = [level.value for level in LevelOfNeed]
# Rows waiting to be COPYed, by the name each table is counted by.
Batch = dict[str, list[tuple[Any, ...]]]
# The tables the load fills most, analysed (and vacuumed) after it.
ANALYSED_MODELS: tuple[type[models.Model], ...] = (
    Concern,
    ConcernPupil,
    InvolvementCategory,
    DslRecord,
    Action,
    Referral,
    ConcernTally,
)


CHARACTERISTIC_COLUMNS = [
    "gender",
    "ethnicity",
    "sen_provision",
    "fsm_eligible",
    "pupil_premium",
    "looked_after",
]
# Roughly England's secondary schools (DfE statistics), with a few not recorded.
ETHNICITIES = [
    ("WBRI", 62),
    ("WOTH", 6),
    ("WIRI", 1),
    ("MWBC", 2),
    ("MOTH", 3),
    ("AIND", 4),
    ("APKN", 4),
    ("ABAN", 2),
    ("BAFR", 4),
    ("BCRB", 1),
    ("CHNE", 1),
    ("OOTH", 2),
    ("REFU", 1),
    ("NOBT", 1),
    ("", 6),
]


def pupil_characteristics(rng: random.Random) -> tuple[Any, ...]:
    """A pupil's gender, ethnicity, SEN provision, FSM, pupil premium and looked-after, in the
    order of CHARACTERISTIC_COLUMNS (None is "not recorded")."""
    codes, weights = zip(*ETHNICITIES, strict=True)
    r = rng.random()
    sen = "E" if r < 0.03 else "K" if r < 0.16 else "" if r < 0.17 else "N"
    fsm = None if rng.random() < 0.02 else rng.random() < 0.25
    premium = None if fsm is None else fsm or rng.random() < 0.05
    return (
        rng.choices(["F", "M", "U", ""], weights=[49, 49, 1, 1])[0],
        rng.choices(codes, weights=weights)[0],
        sen,
        fsm,
        premium,
        rng.random() < 0.01,
    )


class Copier:
    """COPY rows into a model's table: the columns given, every other column its default."""

    def __init__(self, model: type[models.Model], given: Sequence[str]) -> None:
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(given) - set(fields)
        if unknown:
            raise CommandError(f"{self.table} has no column {sorted(unknown)}")
        self.rest = [name for name in fields if name not in given]
        self.defaults = tuple(self._default(fields[name]) for name in self.rest)
        self.columns = [*given, *self.rest]

    def _default(self, field: models.Field) -> Any:
        if field.has_default():
            value = field.get_default()
            return json.dumps(value) if isinstance(field, models.JSONField) else value
        if field.null:
            return None
        if field.empty_strings_allowed and isinstance(field, models.CharField | models.TextField):
            return ""
        raise CommandError(f"{self.table}.{field.attname} needs a value")

    def copy(self, rows: Iterable[tuple[Any, ...]]) -> int:
        cols = ", ".join(f'"{c}"' for c in self.columns)
        count = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            with raw.copy(f'COPY "{self.table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row + self.defaults)
                    count += 1
        return count


class Seeder:
    def __init__(
        self, *, schools: int, concerns: int, years: int, rng: random.Random, log: Any
    ) -> None:
        self.n_schools, self.n_concerns, self.years = schools, concerns, years
        self.rng, self.log = rng, log
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.counts: dict[str, int] = {}
        # The records' words (issue 20), from a generator of their own: `rng`'s draws, and so
        # the trust and the timings measured on it, are as before.
        self.words = Words()

    def run(self) -> dict[str, int]:
        trust = Trust.objects.create(name=TRUST_NAME, slug=TRUST_SLUG)
        category_seed_defaults(trust=trust)
        tso = school_services.user_create(email=TSO_EMAIL, full_name="Benchmark TSO")
        tso.set_unusable_password()
        tso.save(update_fields=["password"])
        school_services.trust_membership_grant(user=tso, trust=trust, role=RoleKey.TSO)
        self.agency = Agency.objects.create(
            trust=trust, kind="social_care", name="Children's social care front door"
        )
        self.schools = self._schools(trust)
        self.people = self._people()
        self.pupils = self._pupils()
        self._leaves = self._category_leaves(trust)
        self._concerns()
        self._files_and_reviews()
        # As the nightly job leaves it: every day that is over tallied.
        self._count("daily tallies", tally_refresh(school_ids=[s.pk for s in self.schools]))
        return self.counts

    def _count(self, name: str, n: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + n
        self.log(f"  {name}: {self.counts[name]:,}")

    # -- Schools, people, pupils ------------------------------------------------------------

    def _schools(self, trust: Trust) -> list[School]:
        taken = set(School.objects.values_list("urn", flat=True))
        urns = (f"{n:06d}" for n in itertools.count(990000) if f"{n:06d}" not in taken)
        prefixes = set(School.objects.values_list("reference_prefix", flat=True))
        letters = (
            "BM" + a + b
            for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            if "BM" + a + b not in prefixes
        )
        schools = School.objects.bulk_create(
            [
                School(
                    trust=trust,
                    name=f"Benchmark School {n:02d}",
                    slug=f"benchmark-{n:02d}",
                    urn=next(urns),
                    local_authority="Essex",
                    reference_prefix=next(letters),
                    address_line_1=f"{n} School Lane",
                    town="Chelmsford",
                    postcode="CM1 1AA",
                )
                for n in range(1, self.n_schools + 1)
            ]
        )
        self._count("schools", len(schools))
        return schools

    def _people(self) -> dict[int, tuple[User, list[User]]]:
        users = []
        for school in self.schools:
            users.append(User(email=f"dsl@{school.slug}.example", full_name="Benchmark DSL"))
            users += [
                User(email=f"staff{n}@{school.slug}.example", full_name=f"Staff Member {n}")
                for n in range(STAFF_PER_SCHOOL)
            ]
        for user in users:
            user.set_unusable_password()
        users = User.objects.bulk_create(users)
        people = {}
        memberships = []
        per = STAFF_PER_SCHOOL + 1
        for i, school in enumerate(self.schools):
            dsl, staff = users[i * per], users[i * per + 1 : (i + 1) * per]
            people[school.pk] = (dsl, staff)
            memberships.append(SchoolMembership(school=school, user=dsl, role=RoleKey.DSL))
            memberships += [
                SchoolMembership(school=school, user=s, role=RoleKey.STAFF) for s in staff
            ]
        SchoolMembership.objects.bulk_create(memberships)
        self._count("people", len(users))
        return people

    def _pupils(self) -> dict[int, list[tuple[uuid.UUID, str]]]:
        rng = self.rng
        years = SECONDARY_YEARS * 3 + SIXTH_FORM
        pupils: dict[int, list[tuple[uuid.UUID, str]]] = {}
        copier = Copier(
            Pupil,
            [
                "id",
                "school_id",
                "created_at",
                "updated_at",
                "legal_first_name",
                "legal_last_name",
                "date_of_birth",
                "year_group",
                "joined_on",
                "search_text",
                *CHARACTERISTIC_COLUMNS,
            ],
        )
        # Characteristics from a generator of their own, so the pupils' years and the concerns
        # are the same as before characteristics were seeded (and the timings compare).
        traits = random.Random("pupil characteristics")  # noqa: S311  (repeatable, not secret)
        rows = []
        for school in self.schools:
            pupils[school.pk] = []
            for n in range(PUPILS_PER_SCHOOL):
                pk, year = uuid.uuid4(), rng.choice(years)
                age = 11 + int(year) - 7
                born = self.today - datetime.timedelta(days=365 * age + rng.randrange(365))
                pupils[school.pk].append((pk, str(year.label)))
                first, last = f"Pupil{n}", f"Benchmark{school.pk}"
                rows.append(
                    (
                        pk,
                        school.pk,
                        self.now,
                        self.now,
                        first,
                        last,
                        born,
                        year.value,
                        datetime.date(self.today.year - 1, 9, 1),
                        f"{first.lower()} {last.lower()}",
                        *pupil_characteristics(traits),
                    )
                )
        self._count("pupils", copier.copy(rows))
        return pupils

    def _category_leaves(self, trust: Trust) -> list[int]:
        """Leaf categories (subcategories, or a top-level one without any), some commoner."""
        cats = list(Category.objects.filter(trust=trust).values_list("pk", "parent_id"))
        parents = {parent for _, parent in cats if parent}
        leaves = [pk for pk, _ in cats if pk not in parents]
        weighted: list[int] = []
        for n, pk in enumerate(leaves):
            weighted += [pk] * (1 + (7 * n) % 5)
        return weighted

    # -- Concerns and what follows them ----------------------------------------------------------

    def _days(self) -> tuple[list[datetime.date], list[float]]:
        first = self.today - datetime.timedelta(days=round(365.25 * self.years))
        days, cum, total = [], [], 0.0
        for n in range((self.today - first).days + 1):
            day = first + datetime.timedelta(days=n)
            weight = 0.1 if day.weekday() >= 5 else 1.0
            if day.month == 8:
                weight *= 0.15
            weight *= 1 + 0.3 * n / 365  # slowly rising, as recording improves
            total += weight
            days.append(day)
            cum.append(total)
        return days, cum

    def _concerns(self) -> None:
        """Each school's share of the concerns, on weighted days, COPYed in batches."""
        rng = self.rng
        days, cum = self._days()
        rates = [rng.uniform(0.5, 1.5) for _ in self.schools]
        share = [r / sum(rates) for r in rates]
        tables = self._concern_tables()
        self._guards("DISABLE")
        batch: Batch = {name: [] for name in tables}
        for school, fraction in zip(self.schools, share, strict=True):
            n = round(self.n_concerns * fraction)
            if school is self.schools[-1]:
                n = self.n_concerns - self.counts.get("concerns", 0) - len(batch["concerns"])
            numbers: dict[int, int] = {}
            for day in sorted(rng.choices(days, cum_weights=cum, k=max(n, 0))):
                numbers[day.year] = numbers.get(day.year, 0) + 1
                self._concern(school, day, numbers[day.year], batch)
            if len(batch["concerns"]) >= 50_000:
                self._flush(tables, batch)
        self._flush(tables, batch)
        self._guards("ENABLE")

    def _flush(self, tables: dict[str, Copier], batch: Batch) -> None:
        for name, copier in tables.items():
            self._count(name, copier.copy(batch[name]))
            batch[name].clear()

    def _concern_tables(self) -> dict[str, Copier]:
        """The tables a concern and what follows it go into, by the name they are counted by."""
        return {
            "concerns": Copier(
                Concern,
                [
                    "id",
                    "school_id",
                    "created_at",
                    "updated_at",
                    "reference",
                    "author_id",
                    "status",
                    "incident_at",
                    "location",
                    "reason_for_recording",
                    "account",
                    "immediate_danger",
                    "reporter_name",
                    "reporter_job_title",
                    "written_at",
                    "content_hash",
                    "restricted",
                    "opened_at",
                    "opened_by_id",
                    "closed_at",
                    "closed_by_id",
                ],
            ),
            "pupils involved": Copier(
                ConcernPupil,
                [
                    "id",
                    "school_id",
                    "created_at",
                    "updated_at",
                    "concern_id",
                    "pupil_id",
                    "involvement",
                    "pupil_year_group",
                ],
            ),
            "categories given": Copier(
                InvolvementCategory,
                ["id", "school_id", "created_at", "updated_at", "involvement_id", "category_id"],
            ),
            "DSL records": Copier(
                DslRecord,
                [
                    "id",
                    "school_id",
                    "created_at",
                    "updated_at",
                    "concern_id",
                    "received_at",
                    "received_from",
                    "actions",
                    "action_reasons",
                    "level_of_need",
                    "level_of_need_reason",
                    "parents_informed",
                    "status",
                    "signed_by_id",
                    "signer_name",
                    "signer_role",
                    "signed_at",
                    "content_hash",
                ],
            ),
            "actions": Copier(
                Action,
                [
                    "id",
                    "school_id",
                    "created_at",
                    "updated_at",
                    "concern_id",
                    "description",
                    "owner_id",
                    "due_on",
                    "created_by_id",
                    "done_at",
                    "done_by_id",
                ],
            ),
            "referrals": Copier(
                Referral,
                [
                    "id",
                    "school_id",
                    "created_at",
                    "updated_at",
                    "pupil_id",
                    "concern_id",
                    "agency_id",
                    "agency_name",
                    "referral_type",
                    "urgency",
                    "method",
                    "made_at",
                    "reason",
                    "parents_informed",
                    "parents_reason",
                    "made_by_id",
                    "made_by_name",
                    "content_hash",
                    "status",
                    "follow_up_due_at",
                    "follow_up_at",
                    "response_due_at",
                    "outcome",
                    "outcome_at",
                ],
            ),
        }

    # The steps below draw from the one generator in the order the seeding always has, so a seed
    # gives the same trust as before (and the timings compare): keep the order of every draw.

    def _concern(self, school: School, day: datetime.date, number: int, batch: Batch) -> None:
        """One concern written on the day, its pupils and categories, and what the DSL did."""
        rng = self.rng
        dsl, staff = self.people[school.pk]
        written = self._written_on(day)
        pk = uuid.uuid4()
        author = rng.choice(staff)
        opened = written < self.now - datetime.timedelta(days=3) or rng.random() < 0.5
        opened_at = self._opened_at(written) if opened else None
        closed = opened and written < self.now - datetime.timedelta(days=60)
        status = "closed" if closed else ("actioned" if opened else "received")
        batch["concerns"].append(
            (
                pk,
                school.pk,
                written,
                written,
                f"{school.reference_prefix}-{day.year}-{number:05d}",
                author.pk,
                status,
                written - datetime.timedelta(minutes=rng.randrange(5, 240)),
                self.words.location(),
                self.words.reason(),
                self.words.account(),
                rng.random() < 0.03,
                author.full_name,
                "Teacher",
                written,
                PLACEHOLDER_HASH,
                rng.random() < 0.01,
                opened_at,
                dsl.pk if opened else None,
                opened_at + datetime.timedelta(days=30) if closed and opened_at else None,
                dsl.pk if closed else None,
            )
        )
        involved = self._involve(school, pk, written, batch)
        if opened_at is not None:
            self._dsl_record(school, pk, author, opened_at, batch)
            self._follow_up(school, pk, involved[0][0], opened_at, batch)

    def _written_on(self, day: datetime.date) -> datetime.datetime:
        """In the eight hours from 8:00; a time still to come today moves into the two hours before."""
        rng = self.rng
        written = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(8)),
            timezone.get_default_timezone(),
        ) + datetime.timedelta(minutes=rng.randrange(8 * 60))
        if written > self.now:
            written = self.now - datetime.timedelta(minutes=rng.randrange(1, 120))
        return written

    def _opened_at(self, written: datetime.datetime) -> datetime.datetime:
        """After a log-normal wait (median about two hours, at most 30 days), never later than now."""
        wait = min(self.rng.lognormvariate(math.log(7200), 1.2), 30 * 86400)
        return min(written + datetime.timedelta(seconds=wait), self.now)

    def _involve(
        self, school: School, pk: uuid.UUID, written: datetime.datetime, batch: Batch
    ) -> list[tuple[uuid.UUID, str]]:
        """One pupil (80%), two (15%) or three, each with one category (75%) or two."""
        rng = self.rng
        r = rng.random()
        involved = rng.sample(self.pupils[school.pk], 1 if r < 0.8 else 2 if r < 0.95 else 3)
        for pupil_id, year in involved:
            ipk = uuid.uuid4()
            batch["pupils involved"].append(
                (ipk, school.pk, written, written, pk, pupil_id, "experienced", year)
            )
            for cat in set(rng.sample(self._leaves, 1 if rng.random() < 0.75 else 2)):
                batch["categories given"].append(
                    (uuid.uuid4(), school.pk, written, written, ipk, cat)
                )
        return involved

    def _dsl_record(
        self,
        school: School,
        pk: uuid.UUID,
        author: User,
        opened_at: datetime.datetime,
        batch: Batch,
    ) -> None:
        """A signed DSL record for each opened concern, dated when it was opened."""
        dsl = self.people[school.pk][0]
        batch["DSL records"].append(
            (
                uuid.uuid4(),
                school.pk,
                opened_at,
                opened_at,
                pk,
                opened_at,
                author.full_name,
                '["monitoring"]',
                self.words.dsl_reasons(),
                self.rng.choice(LEVELS_OF_NEED),
                self.words.dsl_reasons(),
                True,
                "signed",
                dsl.pk,
                dsl.full_name,
                "Designated Safeguarding Lead",
                opened_at,
                PLACEHOLDER_HASH,
            )
        )

    def _follow_up(
        self,
        school: School,
        pk: uuid.UUID,
        pupil_id: uuid.UUID,
        opened_at: datetime.datetime,
        batch: Batch,
    ) -> None:
        """An action for a quarter of opened concerns, a referral for 8% (older ones closed)."""
        rng = self.rng
        dsl = self.people[school.pk][0]
        if rng.random() < 0.25:
            due = timezone.localdate(opened_at) + datetime.timedelta(days=7)
            done = due < self.today - datetime.timedelta(days=3) or rng.random() < 0.3
            batch["actions"].append(
                (
                    uuid.uuid4(),
                    school.pk,
                    opened_at,
                    opened_at,
                    pk,
                    self.words.action(),
                    dsl.pk,
                    due,
                    dsl.pk,
                    opened_at + datetime.timedelta(days=5) if done else None,
                    dsl.pk if done else None,
                )
            )
        if rng.random() < 0.08:
            batch["referrals"].append(self._referral(school, pk, pupil_id, opened_at))

    def _referral(
        self, school: School, pk: uuid.UUID, pupil_id: uuid.UUID, opened_at: datetime.datetime
    ) -> tuple[Any, ...]:
        """By phone (with its written follow-up) or through the portal, an hour after opening."""
        dsl = self.people[school.pk][0]
        made = opened_at + datetime.timedelta(hours=1)
        old = made < self.now - datetime.timedelta(days=30)
        phone = self.rng.random() < 0.5
        return (
            uuid.uuid4(),
            school.pk,
            made,
            made,
            pupil_id,
            pk,
            self.agency.pk,
            self.agency.name,
            "social_care",
            "routine",
            "phone" if phone else "portal",
            made,
            self.words.referral(),
            "informed",
            "Parents told by phone the same day.",
            dsl.pk,
            dsl.full_name,
            PLACEHOLDER_HASH,
            "closed" if old else "open",
            made + datetime.timedelta(days=1) if phone else None,
            made + datetime.timedelta(hours=20) if phone and old else None,
            made + datetime.timedelta(days=1),
            "early_help" if old else "",
            made + datetime.timedelta(days=10) if old else None,
        )

    def _guards(self, switch: str) -> None:
        """Pupils are added to concerns already signed, which the guards refuse (the services add
        them to drafts): off for this transaction's load only, and back on before it commits."""
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys checked now, not later
            for model in (ConcernPupil, InvolvementCategory):
                table = model._meta.db_table
                cursor.execute(f'ALTER TABLE "{table}" {switch} TRIGGER USER')

    def _files_and_reviews(self) -> None:
        rng = self.rng
        files = Copier(
            CpFile,
            [
                "id",
                "school_id",
                "created_at",
                "updated_at",
                "pupil_id",
                "opened_at",
                "opened_by_id",
                "open_reason",
                "closed_at",
                "closed_by_id",
                "close_reason",
            ],
        )
        assessments = Copier(
            RiskAssessment,
            [
                "id",
                "school_id",
                "created_at",
                "updated_at",
                "title",
                "risks",
                "measures",
                "review_date",
                "created_by_id",
            ],
        )
        statuses = Copier(
            PupilStatus,
            [
                "id",
                "school_id",
                "created_at",
                "updated_at",
                "pupil_id",
                "kind",
                "start_date",
                "review_date",
                "created_by_id",
            ],
        )
        f_rows, a_rows, s_rows = [], [], []
        for school in self.schools:
            dsl = self.people[school.pk][0]
            for pupil_id, _ in rng.sample(self.pupils[school.pk], PUPILS_PER_SCHOOL // 25):
                opened = self.now - datetime.timedelta(days=rng.randrange(1, 365 * self.years))
                closed = rng.random() < 0.6
                f_rows.append(
                    (
                        uuid.uuid4(),
                        school.pk,
                        opened,
                        opened,
                        pupil_id,
                        opened,
                        dsl.pk,
                        "Benchmark file",
                        opened + datetime.timedelta(days=200) if closed else None,
                        dsl.pk if closed else None,
                        "Benchmark close" if closed else "",
                    )
                )
            for _ in range(40):
                review = self.today + datetime.timedelta(days=rng.randrange(-20, 60))
                a_rows.append(
                    (uuid.uuid4(), school.pk, self.now, self.now, self.words.title())
                    + (self.words.risks(), self.words.measures(), review)
                    + (dsl.pk,)
                )
            for pupil_id, _ in rng.sample(self.pupils[school.pk], 60):
                review = self.today + datetime.timedelta(days=rng.randrange(-20, 90))
                start = self.today - datetime.timedelta(days=rng.randrange(30, 400))
                s_rows.append(
                    (
                        uuid.uuid4(),
                        school.pk,
                        self.now,
                        self.now,
                        pupil_id,
                        rng.choice(["child_in_need", "cp_plan", "early_help"]),
                        start,
                        review,
                        dsl.pk,
                    )
                )
        self._count("CP files", files.copy(f_rows))
        self._count("risk assessments", assessments.copy(a_rows))
        self._count("plans and statuses", statuses.copy(s_rows))
