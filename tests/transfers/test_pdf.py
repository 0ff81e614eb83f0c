"""The CP file as a PDF, read back as the receiving DSL would: the text of each page (poppler's
`pdftotext`), its page count (`pdfinfo`) and its images (`pdfimages`)."""

from __future__ import annotations

import re
import socket
from pathlib import Path
from typing import Any

import pytest
from django.http import Http404
from weasyprint import HTML

from concerns import services as concern_services
from schools.models import User
from tests.support.factories import PupilFactory
from tests.support.records.cp_file import (
    ADDENDUM_WORDS,
    PART_1_WORDS,
    PART_2_REASONS,
    concern_with_part_2,
    full_file,
    seed_categories,
)
from tests.support.transfers import ReadPdf
from tests.support.world import World
from transfers.export.gather import ExportRefused
from transfers.export.pdf import FetchRefusedError, LocalOnlyFetcher, RenderedPdf, cp_file_pdf
from transfers.signing import keys as signing
from transfers.signing import verify

RECEIVING = "Southend Bay Academy"
SECTIONS = [
    "Child-protection files",
    "Statuses and plans",
    "Chronology",
    "Concerns and the DSL's records",
    "Referrals",
    "Risk assessments",
    "Missing episodes and absences",
    "Attachments",
    "Files received from previous schools",
]


def _render(
    actor: User, pupil: Any, folder: Path, progress: Any = None
) -> tuple[RenderedPdf, ReadPdf]:
    rendered = cp_file_pdf(actor=actor, pupil=pupil, receiving_school=RECEIVING, progress=progress)
    return rendered, ReadPdf(rendered, folder)


@pytest.fixture
def full(world: World, tmp_path: Path) -> tuple[Any, RenderedPdf, ReadPdf]:
    world.pupil.upn = "A123456789012"
    world.pupil.legal_middle_names = "Grace"
    world.pupil.preferred_first_name = "Ali"
    world.pupil.save()
    files = full_file(world, seed_categories(world), concerns=2, entries=40)
    rendered, read = _render(world.users["dsl"], world.pupil, tmp_path)
    return files, rendered, read


def test_every_page_has_the_pupils_name_and_page_n_of_n(full: Any) -> None:
    _files, rendered, read = full
    assert read.pages == rendered.pages
    assert read.pages >= 10
    for n, text in enumerate(read.page_texts, start=1):
        assert "Aaliyah Grace Alphason" in text, f"page {n}"
        assert f"Page {n} of {read.pages}" in text, f"page {n}"
        assert "CONFIDENTIAL" in text, f"page {n}"


def test_the_pdf_is_tagged_for_screen_readers_and_titled(full: Any) -> None:
    read = full[2]
    assert re.search(r"^Tagged:\s+yes$", read.info, re.MULTILINE)
    assert re.search(
        r"^Title:\s+Child-protection file: Aaliyah Grace Alphason$", read.info, re.MULTILINE
    )
    assert re.search(r"^Page size:.*\(A4\)$", read.info, re.MULTILINE)


def test_the_cover_sheet(world: World, full: Any) -> None:
    cover = full[2].page_texts[0]
    assert "CONFIDENTIAL Child-protection file" in cover
    assert f"For the attention of the Designated Safeguarding Lead {RECEIVING}" in cover
    # The sending school's return address.
    assert "Return it to the sending school" in cover
    assert "Alpha School 1 High Street Chelmsford CM1 1AA" in cover
    # Who the file is about.
    assert "Legal name Aaliyah Grace Alphason" in cover
    assert "Known as Ali Alphason" in cover
    assert "Date of birth 14 March 2015" in cover
    assert "A123456789012" in cover
    assert re.search(r"Records dated \d{1,2} \w+ \d{4} to \d{1,2} \w+ \d{4}", cover)
    assert f"Produced by {world.users['dsl'].full_name}, Designated Safeguarding Lead" in cover
    assert "This file holds 2 concerns" in cover


def test_the_contents_give_the_page_each_section_starts_on(full: Any) -> None:
    files, _rendered, read = full
    contents = read.page_texts[1]
    for concern in files.concerns:
        assert f"Concern {concern.reference}" in contents
    for heading in SECTIONS:
        found = re.search(re.escape(heading) + r"[ .]+(\d+)", contents)
        assert found, heading
        page = int(found[1])
        assert heading in read.page_texts[page - 1], f"{heading} is not on page {page}"


def test_every_section_and_the_records_in_it(full: Any) -> None:
    files, _rendered, read = full
    for heading in SECTIONS:
        assert heading in read.text
    # Appendix 2's layout.
    assert "Case Record/Chronology" in read.text
    assert "Date Information/Details of concerns or contact Print Name and Signature" in read.text
    assert "Call 40 with the social worker" in read.text
    # Each concern: Part 1 in the reporter's words, Part 2's decision with its reasons.
    concern = files.concerns[0]
    assert f"Concern {concern.reference}" in read.text
    assert "Part 1 (for use by any staff)" in read.text
    assert f"{PART_1_WORDS} (1)." in read.text
    assert f"{PART_1_WORDS} (2)." in read.text
    assert "Part 2 (for use by the Designated Safeguarding Lead)" in read.text
    assert "Referral to children's social care; Monitoring in school" in read.text
    assert f"{PART_2_REASONS} (1)" in read.text
    assert "Specialist: Risk of significant harm" in read.text
    assert f"{ADDENDUM_WORDS} (1)" in read.text
    assert "Check in with Sam at morning break" in read.text
    # The body map: the pupil's numbered marks in words beside the drawing (ADR 0043).
    pupil = files.concerns[0].involvements.get().pupil
    assert f"Mark 1: {pupil.display_name}, front, right upper arm. Round bruise" in read.text
    assert concern.content_hash in read.squeezed
    # Referrals with their outcome, plans, risk assessments and reviews, missing episodes.
    assert "Referral to Children and Families Hub" in read.text
    assert "Outcome received: Strategy discussion / section 47 enquiry" in read.text
    assert "Child Protection plan" in read.text
    assert "Priya Shah, social worker" in read.text
    assert "Playground supervision" in read.text
    assert "Working well; keep separate breaks" in read.text
    assert "Leaving the science lesson, seen by the class teacher" in read.text
    assert "Continuous absence from" in read.text
    # Every section has records but the last: this pupil has no file from a previous school.
    received = read.text.rindex("Files received from previous schools")
    assert "No records." not in read.text[:received]
    assert "No records." in read.text[received:]


def test_attachments_are_listed_with_their_sha256_and_photos_embedded(full: Any) -> None:
    files, _rendered, read = full
    assert files.image.sha256 in read.squeezed
    assert files.document.sha256 in read.squeezed
    assert read.text.count("Matches the stored file") == 2
    assert "arm.png" in read.text
    assert "letter.pdf" in read.text
    assert read.images() == 1  # the photo; the PDF document is listed, not reproduced


def test_a_stored_file_that_no_longer_matches_its_hash_is_flagged(
    world: World, tmp_path: Path
) -> None:
    files = full_file(world, seed_categories(world), missing=False)
    stored = files.image.file
    with stored.storage.open(stored.name, "wb") as changed:
        changed.write(b"not the photo that was uploaded")
    files.document.file.storage.delete(files.document.file.name)

    _rendered, read = _render(world.users["dsl"], world.pupil, tmp_path)

    assert "The stored file does not match this SHA-256" in read.text
    assert "The stored file is missing" in read.text
    assert read.images() == 0


def test_a_pupil_with_no_records_gets_a_valid_pdf_saying_so(world: World, tmp_path: Path) -> None:
    rendered, read = _render(world.users["deputy"], world.pupil, tmp_path)
    assert rendered.data.startswith(b"%PDF-")
    assert read.pages == rendered.pages
    assert "Records dated No records" in read.page_texts[0]
    # Each section (after the contents page) says so.
    body = " ".join(read.page_texts[2:])
    starts = [body.index(heading) for heading in SECTIONS]
    assert starts == sorted(starts)
    for heading, start, end in zip(SECTIONS, starts, [*starts[1:], len(body)], strict=True):
        assert "No records." in body[start:end], heading
    assert read.text.count("No records.") == len(SECTIONS)
    for n, text in enumerate(read.page_texts, start=1):
        assert f"Page {n} of {read.pages}" in text
        assert "Aaliyah Alphason" in text


def test_other_children_in_a_concern_are_not_named(world: World, tmp_path: Path) -> None:
    classmate = PupilFactory(
        school=world.school, legal_first_name="Cressida", legal_last_name="Quennell"
    )
    concern_with_part_2(world, world.pupil, seed_categories(world), others=[classmate])
    _rendered, read = _render(world.users["dsl"], world.pupil, tmp_path)
    assert "1 other pupil involved, not named in this file" in read.text
    assert "Cressida" not in read.text
    assert "Quennell" not in read.text
    assert "Graze on the other child's back" not in read.text


def test_the_task_is_told_each_stage(world: World, tmp_path: Path) -> None:
    stages: list[tuple[int, str]] = []
    _render(world.users["dsl"], world.pupil, tmp_path, lambda p, s: stages.append((p, s)))
    assert [s for _, s in stages] == [
        "Gathering the records",
        "Laying out the pages",
        "Writing the PDF",
        "PDF written",
    ]
    percents = [p for p, _ in stages]
    assert percents == sorted(percents)
    assert percents[-1] == 100


@pytest.mark.parametrize("role", ["staff", "head", "tso", "other_dsl"])
def test_only_the_schools_dsl_and_deputies_may_export(world: World, role: str) -> None:
    with pytest.raises(Http404):
        cp_file_pdf(actor=world.users[role], pupil=world.pupil, receiving_school=RECEIVING)


def test_another_schools_pupil_is_refused(world: World) -> None:
    with pytest.raises(Http404):
        cp_file_pdf(actor=world.users["dsl"], pupil=world.other_pupil, receiving_school=RECEIVING)


def test_a_deputy_cannot_export_a_file_with_restricted_records_hidden_from_them(
    world: World,
) -> None:
    concern = concern_with_part_2(world, world.pupil, seed_categories(world))
    concern_services.concern_restrict(actor=world.users["dsl"], concern=concern, named=[])
    with pytest.raises(ExportRefused):
        cp_file_pdf(actor=world.users["deputy"], pupil=world.pupil, receiving_school=RECEIVING)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/tracker.png",
        "https://example.org/logo.png",
        "file:///etc/passwd",
        "data:image/png;base64,iVBORw0KGgo=",
        "cp-static:../../../etc/passwd",
        "cp-static:/etc/passwd",
        "cp-attachment:00000000-0000-0000-0000-000000000000",
    ],
)
def test_the_renderer_fetches_nothing_it_was_not_given(url: str) -> None:
    with pytest.raises((FetchRefusedError, ValueError)):
        LocalOnlyFetcher(images={}).fetch(url)


def test_the_renderer_serves_the_apps_static_files_and_the_images_it_was_given() -> None:
    fetcher = LocalOnlyFetcher(images={"abc": (b"\x89PNG...", "image/png")})
    assert fetcher.fetch("cp-static:images/favicon.svg").read().startswith(b"<svg")
    assert fetcher.fetch("cp-attachment:abc").read() == b"\x89PNG..."


def test_rendering_opens_no_network_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> None:
        attempts.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    html = (
        '<img src="http://127.0.0.1:9/a.png"><link rel="stylesheet" href="https://example.org/a.css">'
        '<p style="background: url(http://127.0.0.1:9/b.png)">Text</p>'
    )
    pdf = HTML(string=html, url_fetcher=LocalOnlyFetcher(images={})).write_pdf()
    assert pdf.startswith(b"%PDF-")
    assert attempts == []


def test_the_real_file_signs_and_both_validators_accept_it(
    world: World, full: Any, tmp_path: Path
) -> None:
    """Tagged, with an embedded photo and 12+ pages: the school's signature holds on it."""
    _files, rendered, _read = full
    signing.signing_key_generate(actor=world.users["dsl"], school=world.school, issuer="trust")
    signed = signing.pdf_sign(school=world.school, pdf=rendered.data, reason="CP file transfer")
    check = verify.pdf_signature_check(signed)
    assert (check.valid, check.intact, check.trusted) == (True, True, True), check.problem
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = ReadPdf._run("pdfsig", str(path))
    assert "Signature is Valid." in report, report


def test_a_stored_file_is_read_only_from_its_own_schools_folder(world: World) -> None:
    """Paths come from the record, never from a request, and only under the school's folder."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from concerns.models import Attachment
    from transfers.export.pdf import _read_attachment

    elsewhere = f"schools/{world.other_school.pk}/concerns/x/photo"
    own = f"schools/{world.school.pk}/concerns/x/photo"
    for name in (elsewhere, own):
        default_storage.delete(name)
        default_storage.save(name, ContentFile(b"a stored photo"))
    try:
        assert _read_attachment(Attachment(school=world.school, file=own), world.school.pk) == (
            b"a stored photo"
        )
        assert (
            _read_attachment(Attachment(school=world.school, file=elsewhere), world.school.pk)
            is None
        )
        assert (
            _read_attachment(Attachment(school=world.other_school, file=own), world.school.pk)
            is None
        )
        traversal = f"schools/{world.school.pk}/../{world.other_school.pk}/concerns/x/photo"
        assert (
            _read_attachment(Attachment(school=world.school, file=traversal), world.school.pk)
            is None
        )
    finally:
        for name in (elsewhere, own):
            default_storage.delete(name)
