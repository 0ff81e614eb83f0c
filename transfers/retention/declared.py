"""What in the transfers' own tables destruction blanks (docs/adr/0016): the `retention.py` every
other app has, here because `transfers.retention` is this package. The school's copy of an export
(its PDF and bundle, and the error the worker met while making it), a file received, and the words
staff wrote about a transfer (how it was sent, why it was refused, cancelled or withdrawn) are the
child's file; where the file went, from whom, and who confirmed receipt stay: they are the evidence
the policy asks for that the file was sent on before this copy was destroyed. Checked at start-up
(transfers.E001, transfers.E003)."""

from __future__ import annotations

from django.db.models import Model

from ..models import Export, IncomingTransfer, Transfer

NARRATIVE: dict[type[Model], tuple[str, ...]] = {
    # The stored files (deleted once the destruction commits) and the error, which can quote the
    # record the export stopped at.
    Export: ("pdf", "bundle", "error"),
    Transfer: ("sent_note", "rejection_reason", "cancel_reason"),
    IncomingTransfer: ("pdf", "bundle", "rejection_reason", "withdrawn_reason"),
}

# Why a text field that is not narrative may stay after destruction.
CHOICE = "a choice from a fixed list, not words"
HASH = "a hash: proves what the file was without saying it (the tombstone keeps it too)"
SCHOOL = (
    "the other school (name, address, DSL): where the file went or came from, the evidence the "
    "policy asks for that it was passed on, not words about the child"
)
ROLL = (
    "the child's name, UPN or year group as the sending school's file gave them: the same as "
    "the pupil row (the school roll), which destruction keeps so the tombstone can say whose "
    "file it was"
)

KEPT: dict[type[Model], dict[str, str]] = {
    Export: {
        "receiving_school": SCHOOL,
        "state": CHOICE,
        "stage": (
            "the worker's last progress step, a label the code sets (transfers/services.py, "
            "transfers/export/pdf.py), not words"
        ),
        "pdf_sha256": HASH,
        "bundle_sha256": HASH,
    },
    Transfer: {
        "destination_name": SCHOOL,
        "destination_address": SCHOOL,
        "destination_dsl": SCHOOL,
        "state": CHOICE,
        "sent_how": CHOICE,
        "receipt_by": (
            "who at the new school confirmed receipt: the evidence of receipt the policy requires "
            "before this copy is destroyed"
        ),
        "receipt_how": CHOICE,
        "rejected_by": "who at the new school refused it (a member of staff), not the child",
    },
    IncomingTransfer: {
        "source": CHOICE,
        "from_school_name": SCHOOL,
        "from_school_address": SCHOOL,
        "legal_first_name": ROLL,
        "legal_middle_names": ROLL,
        "legal_last_name": ROLL,
        "upn": ROLL,
        "year_group": ROLL,
        "pdf_sha256": HASH,
        "bundle_sha256": HASH,
        "state": CHOICE,
        "check_warnings": (
            "what the import's checks found about the file's signatures and its sender (school "
            "and signer names), not words about the child"
        ),
    },
}

# Model -> the lookup from a row to its pupil (see contacts/retention.py).
PUPIL_RECORDS: dict[type[Model], str] = {
    Export: "pupil_id",
    Transfer: "pupil_id",
    IncomingTransfer: "pupil_id",
}
