"""The child-protection file as a PDF, rendered by WeasyPrint (unsigned: the caller signs it).

Rendering is slow work (seconds for a long file), so it runs only in a Celery task, never in a
request. The HTML is `templates/transfers/pdf/cp_file.html`; WeasyPrint fetches nothing from the
network: `LocalOnlyFetcher` serves this file's own image attachments (read from storage by the
record's school-scoped path) and the app's static files, and refuses every other address.

Files received from previous schools are listed (their SHA-256, pages and signature check at the
time of export), never merged in: their signed PDFs and bundles travel in the open bundle.
"""

from __future__ import annotations

import hashlib
import io
import logging
import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from concerns.models import Attachment
from safeguard.roles import RoleKey
from schools.models import Pupil, SchoolMembership

from ..signing.verify import pdf_signature_check
from .files import pdf_page_count, previous_path
from .gather import CpRecords, ReceivedCopy, cp_records_for_export, received_copy_read

logger = logging.getLogger(__name__)
# WeasyPrint logs a line per page per layout pass at INFO: hundreds of lines for one file in the
# worker's log. Its warnings (a refused fetch, an unsupported property) still show.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

Progress = Callable[[int, str], None]

# The stages reported to `progress(percent, stage)`, in order, worded to be shown as they are.
STAGE_GATHERING = "Gathering the records"
STAGE_LAYING_OUT = "Laying out the pages"
STAGE_WRITING = "Writing the PDF"
STAGE_DONE = "PDF written"

ATTACHMENT_SCHEME = "cp-attachment"
STATIC_SCHEME = "cp-static"
EMBEDDED_IMAGE_TYPES = {"image/jpeg", "image/png"}


@dataclass(frozen=True)
class RenderedPdf:
    data: bytes
    pages: int


class FetchRefusedError(ValueError):
    """WeasyPrint asked for an address this renderer does not serve."""


class LocalOnlyFetcher(URLFetcher):
    """Serves only the images given to it and the app's static files; refuses everything else.

    Images are passed in as bytes already read from storage (and checked against their SHA-256),
    keyed by attachment id, so nothing in the HTML can name a file path or another school's file.
    """

    def __init__(self, *, images: dict[str, tuple[bytes, str]]) -> None:
        super().__init__(
            timeout=1,
            allowed_protocols=[ATTACHMENT_SCHEME, STATIC_SCHEME],
            allow_redirects=False,
            fail_on_errors=False,
        )
        self._images = images

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        scheme, _, rest = url.partition(":")
        if scheme == ATTACHMENT_SCHEME and rest in self._images:
            data, content_type = self._images[rest]
            return URLFetcherResponse(url, data, {"Content-Type": content_type})
        if scheme == STATIC_SCHEME:
            path = static_path(rest)
            if path is not None:
                return URLFetcherResponse(url, path.read_bytes(), {})
        # the scheme only: a URL written into a record could be anything, a name included
        logger.warning("PDF rendering refused to fetch a %s: URL", scheme[:20] or "relative")
        raise FetchRefusedError(f"Refused to fetch {url[:200]}")


def static_path(name: str) -> Path | None:
    """A file among the app's static files, or None (no absolute paths, no "..")."""
    clean = posixpath.normpath(name.lstrip("/"))
    if clean.startswith("..") or clean.startswith("/") or clean in ("", "."):
        return None
    found = finders.find(clean)
    if not found or isinstance(found, list):
        return None
    path = Path(found)
    return path if path.is_file() else None


@dataclass(frozen=True)
class AttachmentItem:
    """One attachment as the PDF lists it: checked against its SHA-256, embedded if an image."""

    attachment: Attachment
    concern: Any
    state: str  # "ok", "missing" or "mismatch"
    kind: str

    @property
    def embed(self) -> bool:
        return self.state == "ok" and self.attachment.content_type in EMBEDDED_IMAGE_TYPES

    @property
    def src(self) -> str:
        return f"{ATTACHMENT_SCHEME}:{self.attachment.pk}"


def _read_attachment(attachment: Attachment, school_id: int) -> bytes | None:
    """The stored file, read by the path the record holds; only under its own school's folder."""
    name = attachment.file.name or ""
    inside = posixpath.normpath(name) == name and ".." not in name.split("/")
    if (
        attachment.school_id != school_id
        or not inside
        or not name.startswith(f"schools/{school_id}/")
    ):
        return None
    try:
        with attachment.file.storage.open(name, "rb") as stored:
            return stored.read()
    except (FileNotFoundError, OSError):
        return None


def _attachments(records: CpRecords) -> tuple[list[AttachmentItem], dict[str, tuple[bytes, str]]]:
    items, images = [], {}
    for concern_record, attachment in records.attachments:
        data = _read_attachment(attachment, records.school.pk)
        if data is None:
            state = "missing"
        elif hashlib.sha256(data).hexdigest() != attachment.sha256:
            state = "mismatch"
        else:
            state = "ok"
        kind = "Photo" if attachment.is_image else "PDF document"
        item = AttachmentItem(attachment, concern_record.concern, state, kind)
        if item.embed and data is not None:
            images[str(attachment.pk)] = (data, attachment.content_type)
        items.append(item)
    return items, images


@dataclass(frozen=True)
class ReceivedItem:
    """A file received from a previous school, as the PDF lists it."""

    incoming: Any  # transfers.models.IncomingTransfer, `decided_by` read
    pdf: ReceivedCopy | None
    bundle: ReceivedCopy | None
    pages: int | None
    signature: Any  # transfers.signing.verify.SignatureCheck, None when the PDF could not be read

    @property
    def pdf_path(self) -> str:
        return previous_path(self.incoming, "pdf")

    @property
    def bundle_path(self) -> str:
        return previous_path(self.incoming, "bundle")


def received_items(records: CpRecords) -> list[ReceivedItem]:
    """Each file received from a previous school: its stored copies read and checked against
    their SHA-256, its pages counted and its PDF's signature checked now."""
    items = []
    for incoming in records.received_files:
        pdf = received_copy_read(incoming, "pdf")
        data = pdf.data if pdf is not None and pdf.state == "ok" else None
        items.append(
            ReceivedItem(
                incoming=incoming,
                pdf=pdf,
                bundle=received_copy_read(incoming, "bundle"),
                pages=(pdf_page_count(data) if data is not None else None) or incoming.pages,
                signature=pdf_signature_check(data) if data is not None else None,
            )
        )
    return items


def _producer(records: CpRecords) -> tuple[str, str]:
    actor = records.produced_by
    membership = (
        SchoolMembership.objects.filter(
            user_id=actor.pk, school_id=records.school.pk, role__in=[RoleKey.DSL, RoleKey.DEPUTY]
        )
        .order_by("role")
        .first()
    )
    role = membership.get_role_display() if membership else actor.job_title
    return actor.full_name, str(role or "")


def cp_file_html(
    *,
    records: CpRecords,
    receiving_school: str,
    attachments: list[Any],
    received: list[ReceivedItem] | None = None,
) -> str:
    """The HTML WeasyPrint lays out (also useful to look at in a browser while designing)."""
    name, role = _producer(records)
    received = received if received is not None else received_items(records)
    return render_to_string(
        "transfers/pdf/cp_file.html",
        {
            "records": records,
            "receiving_school": receiving_school.strip() or "the receiving school",
            "produced_by_name": name,
            "produced_by_role": role,
            "attachments": attachments,
            "received": received,
            "counts": {
                "concerns": len(records.concerns),
                "chronology": len(records.chronology),
                "referrals": len(records.referrals),
                "attachments": len(attachments),
                "received": len(received),
            },
        },
    )


def cp_file_pdf(
    *, actor: Any, pupil: Pupil, receiving_school: str, progress: Progress | None = None
) -> RenderedPdf:
    """The pupil's whole CP file as an unsigned PDF for the receiving school's DSL.

    Only the DSL and deputies of the pupil's school may export it (else Http404, or
    `records.ExportRefused` with the reason). `progress(percent, stage)` is told each stage.
    """
    report = progress or (lambda percent, stage: None)
    report(0, STAGE_GATHERING)
    records = cp_records_for_export(actor=actor, pupil=pupil)
    attachments, images = _attachments(records)
    html = cp_file_html(records=records, receiving_school=receiving_school, attachments=attachments)
    report(20, STAGE_LAYING_OUT)
    document = HTML(string=html, url_fetcher=LocalOnlyFetcher(images=images)).render()
    report(85, STAGE_WRITING)
    out = io.BytesIO()
    # Tagged: headings, tables and reading order for screen readers (costs no measurable time).
    document.write_pdf(out, pdf_tags=True)
    report(100, STAGE_DONE)
    return RenderedPdf(data=out.getvalue(), pages=len(document.pages))
