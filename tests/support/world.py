"""The world the tests share: two trusts, a school in each, a person in every role, a sibling
school when asked for, and each school's records written through the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schools.models import Pupil, School, User
from tests.support.factories import PupilFactory, SchoolFactory, TrustFactory, member, trust_member

SCHOOL_ROLES = ["staff", "dsl", "deputy", "head", "admin", "governor"]
ALL_ROLES = [*SCHOOL_ROLES, "tso", "other_dsl"]


@dataclass
class World:
    school: School
    other_school: School
    users: dict[str, User]
    pupil: Pupil
    other_pupil: Pupil
    # School C, of school A's trust: set by `add_sibling` (the tenancy matrix's third column).
    sibling_school: School | None = None
    sibling_pupil: Pupil | None = None

    def school_of(self, which: str) -> School:
        """School A ("own"), B ("other") or C ("sibling")."""
        school = {"own": self.school, "other": self.other_school}.get(which, self.sibling_school)
        assert school is not None, "add_sibling(world) first"
        return school

    def pupil_of(self, which: str) -> Pupil:
        """The pupil of school A ("own"), B ("other") or C ("sibling")."""
        pupil = {"own": self.pupil, "other": self.other_pupil}.get(which, self.sibling_pupil)
        assert pupil is not None, "add_sibling(world) first"
        return pupil


def make_world() -> World:
    """The two schools and their people (see the `world` fixture)."""
    trust = TrustFactory(name="Northgate", slug="northgate-test")
    other_trust = TrustFactory(name="Elsewhere", slug="elsewhere-test")
    school = SchoolFactory(trust=trust, name="Alpha School", slug="alpha")
    other_school = SchoolFactory(trust=other_trust, name="Beta School", slug="beta")
    users = {role: member(school, role, email=f"{role}@alpha.example") for role in SCHOOL_ROLES}
    users["tso"] = trust_member(trust, "tso", email="tso@northgate-test.example")
    users["other_dsl"] = member(other_school, "dsl", email="dsl@beta.example")
    pupil = PupilFactory(school=school, legal_first_name="Aaliyah", legal_last_name="Alphason")
    other_pupil = PupilFactory(
        school=other_school, legal_first_name="Bartholomew", legal_last_name="Betason"
    )
    return World(school, other_school, users, pupil, other_pupil)


def add_sibling(world: World) -> None:
    """School C in school A's trust, with its own DSL and pupil: a school A's people do not work
    in but A's trust safeguarding officer reaches."""
    world.sibling_school = SchoolFactory(
        trust=world.school.trust, name="Gamma School", slug="gamma"
    )
    world.users["sibling_dsl"] = member(world.sibling_school, "dsl", email="dsl@gamma.example")
    world.sibling_pupil = PupilFactory(
        school=world.sibling_school, legal_first_name="Gwendolyn", legal_last_name="Gammason"
    )


@dataclass
class Records:
    """Concern records of one school, written through the services."""

    draft: Any
    concern: Any
    attachment: Any
    action: Any
    entry: Any
    cp_file: Any
    status: Any
    risk_assessment: Any
    # Later issues' records, filled in below by each app's section.
    family_contact: Any = None
    key_contact: Any = None
    referral: Any = None
    missing_episode: Any = None
    absence: Any = None
    allegation: Any = None
    low_level_concern: Any = None
    closure: Any = None
    notification: Any = None  # the author's own, in the notification centre
    transfer: Any = None  # a transfer out, its file ready (the sending school's)
    incoming: Any = None  # a file received, waiting to be accepted (the receiving school's)
    received_entry: Any = None  # an entry of a received file in the pupil's chronology (ADR 0045)
    retention: Any = None  # a file kept until its date (a pupil who has left)
    qa_review: Any = None  # a submitted QA review of the concern, by the trust's TSO
    category: Any = None  # a category of the school's trust's list (trust-level)
    category_request: Any = None  # the school DSL's request for a new category
    roll_import: Any = None  # a roll import previewed and not yet applied (the school's admin's)
    role_request: Any = None  # a CP role given by the admin, waiting for the head or DSL
    membership_event: Any = None  # a row of the school's role history
    api_client: Any = None  # a system registered by the school's DSL to use the API
    reassessment_prompt: Any = None  # an open re-assessment prompt for the pupil


def _records_for(school: School, author: User, manager: User, pupil: Pupil) -> Records:
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from concerns import services
    from tests.concerns.conftest import draft as make_draft

    services.category_seed_defaults(trust=school.trust)
    categories = {c.label: c for c in services.categories_for(school=school)}
    concern = make_draft(author, [pupil], categories)
    attachment = services.attachment_add(
        actor=author, concern=concern, upload=SimpleUploadedFile("note.pdf", PDF_BYTES)
    )
    concern = services.concern_submit(actor=author, concern=concern)
    draft = make_draft(author, [pupil], categories)
    action = services.action_assign(
        actor=manager,
        concern=concern,
        description="Check in with the pupil",
        owner=author,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    from chronology import services as chronology_services
    from chronology.models import ChronologyEntry

    entry = ChronologyEntry.objects.get(source_id=str(concern.pk))
    cp_file = chronology_services.cp_file_open(actor=manager, pupil=pupil, reason="Disclosure")
    status = chronology_services.status_add(
        actor=manager, pupil=pupil, kind="child_in_need", start_date=datetime.date(2026, 9, 1)
    )
    risk_assessment = chronology_services.risk_assessment_create(
        actor=manager,
        school=school,
        concern=concern,
        pupils=[pupil],
        title="Playground supervision",
        risks="Contact at break times",
        measures="Separate break times",
        review_date=timezone.localdate() + datetime.timedelta(days=14),
    )
    records = Records(
        draft=draft,
        concern=concern,
        attachment=attachment,
        action=action,
        entry=entry,
        cp_file=cp_file,
        status=status,
        risk_assessment=risk_assessment,
    )
    from tests.support.records.contacts import contact_records

    records.family_contact, records.key_contact = contact_records(school, manager, pupil)
    from tests.referrals.conftest import make_referral

    records.referral = make_referral(manager, pupil, concern=concern, made_at=timezone.now())
    from tests.support.records.missing import missing_records

    records.missing_episode, records.absence = missing_records(author, manager, pupil)
    from tests.support.records.allegations import allegation_records

    records.allegation, records.low_level_concern = allegation_records(school)
    from schools.models import SchoolClosure

    # Written directly: the service wants the school administrator, whom school B lacks.
    records.closure = SchoolClosure.objects.create(
        school=school,
        name="October half term",
        first_day=datetime.date(2026, 10, 26),
        last_day=datetime.date(2026, 10, 30),
    )
    from safeguard.notifications import notify

    (records.notification,) = notify(
        school=school, recipients=[author], kind="reminder", title="A reminder", link="/actions/"
    )
    from tests.support.records.transfer_flow import transfer_records

    records.transfer, records.incoming = transfer_records(school, manager, pupil)
    from tests.support.records.transfer_flow import received_entry_record

    records.received_entry = received_entry_record(records.incoming, pupil)
    from tests.support.records.retention import retention_record

    records.retention = retention_record(school)
    from tests.support.records.qa import qa_review_record

    records.qa_review = qa_review_record(school, concern)
    from tests.support.records.categories import category_records

    records.category, records.category_request = category_records(school, manager)
    # Roll imports (tests/support/records/roll.py) and staff roles (tests/support/records/staff.py)
    # fill in records.roll_import, records.role_request and records.membership_event here.
    from tests.support.records.roll import roll_import_record

    records.roll_import = roll_import_record(school, manager)
    from tests.support.records.staff import staff_records

    records.role_request, records.membership_event = staff_records(school, manager)
    from tests.support.api import register_client

    records.api_client, _ = register_client(manager, school=school)
    from concerns.models import ReassessmentPrompt

    records.reassessment_prompt = ReassessmentPrompt.objects.create(
        school=school,
        pupil=pupil,
        raised_at=timezone.now(),
        reasons=[{"kind": "many", "count": 3, "days": 30}],
    )
    return records


# The smallest PDF qpdf opens (one blank A4 page): uploads are opened and cleaned (ADR 0031).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def make_records(world: World) -> dict[str, Records]:
    """The records of the `records` fixture (and school C's, written by its DSL, once
    `add_sibling` has made it)."""
    records = {
        "own": _records_for(world.school, world.users["staff"], world.users["dsl"], world.pupil),
        "other": _records_for(
            world.other_school,
            world.users["other_dsl"],
            world.users["other_dsl"],
            world.other_pupil,
        ),
    }
    if world.sibling_school is not None and world.sibling_pupil is not None:
        sibling_dsl = world.users["sibling_dsl"]
        records["sibling"] = _records_for(
            world.sibling_school, sibling_dsl, sibling_dsl, world.sibling_pupil
        )
    return records


def empty_tables() -> None:
    """Remove what a module-scoped world committed (`make_world` and `make_records` outside a
    test's transaction). TRUNCATE fires no row triggers, so the guards on signed
    records (which refuse DELETE) do not stand in the way; content types and permissions stay."""
    from django.db import connection

    keep = {"django_migrations", "django_content_type", "auth_permission"}
    tables = [
        connection.ops.quote_name(t)
        for t in connection.introspection.django_table_names(only_existing=True)
        if t not in keep
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
