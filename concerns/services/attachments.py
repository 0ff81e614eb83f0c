"""Files attached to a draft: checked and stripped of metadata on the way in, stored outside the
web root, and deleted from storage only once the removal commits."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from safeguard.storage import stored_files_delete_on_commit, stored_files_undone_on_error
from schools.models import User

from ..models import Attachment, Concern
from ..uploads import clean_upload
from ._shared import _require_author_draft

MAX_ATTACHMENTS = 10


@transaction.atomic
def attachment_add(*, actor: User, concern: Concern, upload: UploadedFile) -> Attachment:
    """Store a checked image or PDF (metadata stripped) outside the web root."""
    _require_author_draft(actor, concern)
    if concern.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            f"A concern can have at most {MAX_ATTACHMENTS} files", code="too_many"
        )
    clean = clean_upload(upload)
    attachment = Attachment(
        school_id=concern.school_id,
        concern=concern,
        original_name=clean.name,
        content_type=clean.content_type,
        size=len(clean.content),
        sha256=clean.sha256,
        uploaded_by=actor,
    )
    with stored_files_undone_on_error(attachment.file):
        attachment.file.save(clean.name, ContentFile(clean.content), save=False)
        attachment.save()
    attachment.cleaned_away = clean.changes
    return attachment


@transaction.atomic
def attachment_remove(*, actor: User, attachment: Attachment) -> None:
    """Remove a file from a draft; the stored file goes once the removal commits."""
    _require_author_draft(actor, attachment.concern)
    stored = [(attachment.file.storage, attachment.file.name or "")]
    why = f"attachment {attachment.pk} removed"
    attachment.delete()
    stored_files_delete_on_commit(stored, why=why)
