"""A pupil's whole child-protection file written through the services, for the export tests
(records, PDF) and the PDF benchmark."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from chronology import services as chronology_services
from chronology.models import CpFile
from concerns import services as concern_services
from concerns.missing import episodes
from concerns.models import Attachment, Concern
from referrals import services as referral_services
from schools.models import Pupil, User
from tests.referrals.conftest import make_referral
from tests.support.records.missing import missing_records
from tests.support.world import World

PART_1_WORDS = "Sam said the bruise came from a fall on the stairs at his aunt's flat"
PART_2_REASONS = "Bruising with an account that changed twice in one morning"
ADDENDUM_WORDS = "Sam's aunt telephoned to say he stays with her on Tuesdays"
# The smallest PDF qpdf opens (one blank A4 page): uploads are opened and cleaned (ADR 0031).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def seed_categories(world: World) -> dict[str, Any]:
    """The trust's category list (the default one), by label."""
    concern_services.category_seed_defaults(trust=world.school.trust)
    return {c.label: c for c in concern_services.categories_for(school=world.school)}


def png_bytes(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 80), colour).save(out, "PNG")
    return out.getvalue()


@dataclass
class FileRecords:
    concerns: list[Concern] = field(default_factory=list)
    image: Attachment | None = None
    document: Attachment | None = None


def _part_2_values(n: int) -> dict[str, Any]:
    return {
        "actions": ["referral_social_care", "monitoring"],
        "action_reasons": f"{PART_2_REASONS} ({n})",
        "action_details": "Spoke to the Children and Families Hub duty worker at 14:10",
        "level_of_need": "specialist",
        "level_of_need_reason": "Risk of significant harm",
        "parents_informed": False,
        "parents_informed_reason": "Telling the father could place Sam at greater risk",
        "outcome": "Section 47 enquiry opened",
        "outcome_given_by": "J. Adeyemi, Children and Families Hub",
        "information_held_elsewhere": "Pupil file; first-aid book",
        "cp_file_decision": "yes",
        "cp_file_reason": "Second injury this term",
    }


def concern_with_part_2(
    world: World,
    pupil: Pupil,
    categories: dict[str, Any],
    *,
    n: int = 1,
    others: list[Pupil] | None = None,
    attachments: bool = False,
    files: FileRecords | None = None,
) -> Concern:
    """A signed concern about `pupil` (and `others`), with a body mark, and its signed Part 2."""
    from tests.concerns.conftest import draft

    staff, dsl = world.users["staff"], world.users["dsl"]
    concern = draft(staff, [pupil, *(others or [])], categories, account=f"{PART_1_WORDS} ({n}).")
    concern_services.body_mark_add(
        actor=staff,
        concern=concern,
        side="front",
        x=27,
        y=23,
        description="Round bruise",
        pupil=pupil,
    )
    for other in others or []:
        concern_services.body_mark_add(
            actor=staff, concern=concern, side="back", x=50, y=35,
            description="Graze on the other child's back", pupil=other,
        )  # fmt: skip
    if attachments and files is not None:
        files.image = concern_services.attachment_add(
            actor=staff, concern=concern, upload=SimpleUploadedFile("arm.png", png_bytes())
        )
        files.document = concern_services.attachment_add(
            actor=staff, concern=concern, upload=SimpleUploadedFile("letter.pdf", PDF_BYTES)
        )
    concern = concern_services.concern_submit(actor=staff, concern=concern)
    record = concern_services.concern_open(actor=dsl, concern=concern)
    record = concern_services.dsl_record_save(
        actor=dsl, record=record, values=_part_2_values(n), expected_version=record.version
    )
    concern_services.advice_add(
        actor=dsl,
        record=record,
        sought_at=timezone.now() - datetime.timedelta(minutes=30),
        name="Charlotte Davis",
        role="Safeguarding Children in Education Officer",
        organisation="Leicestershire County Council",
        advice="Refer to First Response today",
    )
    concern_services.dsl_record_sign(actor=dsl, record=record, expected_version=record.version)
    concern_services.addendum_add(actor=staff, concern=concern, text=f"{ADDENDUM_WORDS} ({n})")
    action = concern_services.action_assign(
        actor=dsl,
        concern=concern,
        description="Check in with Sam at morning break",
        owner=staff,
        due_on=timezone.localdate() + datetime.timedelta(days=2),
    )
    concern_services.action_complete(actor=staff, action=action, note="Sam was cheerful")
    return concern


def full_file(
    world: World,
    categories: dict[str, Any],
    *,
    pupil: Pupil | None = None,
    concerns: int = 1,
    entries: int = 0,
    referrals: int = 1,
    missing: bool = True,
) -> FileRecords:
    """Every kind of record in the pupil's CP file."""
    pupil = pupil or world.pupil
    dsl: User = world.users["dsl"]
    files = FileRecords()
    for n in range(1, concerns + 1):
        files.concerns.append(
            concern_with_part_2(world, pupil, categories, n=n, attachments=n == 1, files=files)
        )
    earlier = CpFile.objects.filter(pupil=pupil, closed_at__isnull=True).first()
    if earlier is not None:
        chronology_services.cp_file_close(actor=dsl, cp_file=earlier, reason="Moved to a new file")
    chronology_services.cp_file_open(actor=dsl, pupil=pupil, reason="Disclosure of physical harm")
    chronology_services.status_add(
        actor=dsl,
        pupil=pupil,
        kind="cp_plan",
        start_date=datetime.date(2026, 9, 14),
        review_date=datetime.date(2026, 12, 14),
        lead_professional="Priya Shah, social worker",
        lead_professional_contact="01245 000999",
    )
    assessment = chronology_services.risk_assessment_create(
        actor=dsl,
        school=pupil.school,
        concern=files.concerns[0] if files.concerns else None,
        pupils=[pupil],
        title="Playground supervision",
        risks="Contact at break times",
        measures="Separate break times",
        review_date=timezone.localdate() + datetime.timedelta(days=14),
    )
    chronology_services.risk_assessment_review(
        actor=dsl,
        assessment=assessment,
        reviewed_on=timezone.localdate(),
        notes="Working well; keep separate breaks",
        outcome="continue",
        next_review_date=timezone.localdate() + datetime.timedelta(days=28),
    )
    for n in range(referrals):
        referral = make_referral(
            dsl, pupil, concern=files.concerns[0] if files.concerns else None,
            made_at=timezone.now() - datetime.timedelta(minutes=40, seconds=n),
        )  # fmt: skip
        referral_services.referral_record_response(
            actor=dsl,
            referral=referral,
            kind="outcome",
            occurred_at=timezone.now() - datetime.timedelta(minutes=20, seconds=n),
            source="Children and Families Hub",
            outcome="section_47",
            agency_reference=f"CFH-{1000 + n}",
        )
    add_calls(world, pupil, entries)
    if not missing:
        return files
    episode, _absence = missing_records(world.users["staff"], dsl, pupil)
    episodes.missing_step_record(
        actor=dsl,
        episode=episode,
        step="parents_told",
        done_at=timezone.now() - datetime.timedelta(minutes=10),
        notes="Mother told by phone",
        person="Mother",
    )
    return files


def add_calls(world: World, pupil: Pupil, count: int) -> None:
    """`count` hand-written chronology entries, twelve hours apart, starting 400 days ago."""
    dsl = world.users["dsl"]
    start = timezone.now() - datetime.timedelta(days=400)
    for n in range(count):
        chronology_services.chronology_add_entry(
            actor=dsl,
            pupil=pupil,
            kind="phone_call",
            occurred_at=start + datetime.timedelta(hours=12 * n),
            details=f"Call {n + 1} with the social worker about attendance, home and friends. "
            "Agreed to share the attendance figures every Friday and to meet again next week.",
            people_involved="Priya Shah (social worker)",
        )
