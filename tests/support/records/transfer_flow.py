"""A transfer out and a file received for one school, written directly with small stand-in files:
the tenancy matrix needs the rows and their downloads, not a rendered, signed PDF."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from transfers.models import (
    Export,
    ExportState,
    IncomingSource,
    IncomingTransfer,
    ReceivedEntry,
    Transfer,
    TransferState,
)
from transfers.services import BUNDLE_NAME, PDF_NAME, sha256

STAND_IN_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
STAND_IN_ZIP = b"PK\x05\x06" + b"\x00" * 18


def transfer_records(school: Any, manager: Any, pupil: Any) -> tuple[Transfer, IncomingTransfer]:
    """A transfer of `pupil` to a school outside the service, its file ready; and a file
    received from another school outside the service, waiting to be accepted."""
    now = timezone.now()
    export = Export(
        school=school,
        pupil=pupil,
        requested_by=manager,
        receiving_school="Gamma Community School",
        state=ExportState.DONE,
        progress=100,
        stage="Ready",
        pages=1,
        started_at=now,
        finished_at=now,
        pdf_sha256=sha256(STAND_IN_PDF),
        bundle_sha256=sha256(STAND_IN_ZIP),
    )
    export.pdf.save(PDF_NAME, ContentFile(STAND_IN_PDF), save=False)
    export.bundle.save(BUNDLE_NAME, ContentFile(STAND_IN_ZIP), save=False)
    export.save()
    transfer = Transfer.objects.create(
        school=school,
        pupil=pupil,
        leaving_date=timezone.localdate(),
        deadline=timezone.localdate() + datetime.timedelta(days=7),
        destination_name="Gamma Community School",
        destination_address="1 Gamma Road\nGammaton",
        state=TransferState.READY,
        export=export,
        created_by=manager,
    )
    incoming = IncomingTransfer(
        school=school,
        source=IncomingSource.IMPORT,
        uploaded_by=manager,
        from_school_name="Delta Academy",
        legal_first_name="Casey",
        legal_last_name="Newcomb",
        date_of_birth=datetime.date(2015, 6, 1),
        year_group="5",
        pdf_sha256=sha256(STAND_IN_PDF),
        bundle_sha256=sha256(STAND_IN_ZIP),
    )
    incoming.pdf.save(PDF_NAME, ContentFile(STAND_IN_PDF), save=False)
    incoming.bundle.save(BUNDLE_NAME, ContentFile(STAND_IN_ZIP), save=False)
    incoming.save()
    return transfer, incoming


def received_entry_record(incoming: IncomingTransfer, pupil: Any) -> ReceivedEntry:
    """An entry of the received file brought into `pupil`'s chronology (its check against the
    stand-in bundle fails, in words: the matrix needs the row and its page)."""
    return ReceivedEntry.objects.create(
        school_id=incoming.school_id,
        incoming=incoming,
        pupil=pupil,
        from_school_name=incoming.from_school_name,
        original_id="00000000-0000-0000-0000-000000000001",
        original_sequence=1,
        original_kind="note",
        original_hash="a" * 64,
    )
