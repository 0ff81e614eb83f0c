"""Stored files (ADR 0037): reading a stored file as a stream for the permission-checked views
that serve it, and deleting stored files once a transaction commits. The private S3 storage
itself is in `safeguard.s3` (boto3 is loaded only where S3 is used)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import IO, Any

from django.core.files.storage import Storage
from django.db import transaction
from django.http import FileResponse

log = logging.getLogger(__name__)

# What a download sends at a time: large enough that a 200 MB bundle is not 50,000 small writes.
STREAM_BLOCK = 64 * 1024


def stored_file_open(storage: Storage, name: str) -> tuple[IO[bytes], int]:
    """A stored file opened to be sent, and its size; FileNotFoundError when it is gone."""
    opener = getattr(storage, "open_stream", None)
    if opener is not None:
        handle, size = opener(name)
        return handle, size
    opened = storage.open(name, "rb")
    return opened, int(opened.size)


def stored_file_response(
    stored: Any, *, content_type: str, as_attachment: bool, filename: str
) -> FileResponse:
    """A stored file (a FileField's value) streamed from its storage to the person, never by
    its path or its URL. FileNotFoundError when the file is gone."""
    handle, size = stored_file_open(stored.storage, stored.name)
    response = FileResponse(
        handle, content_type=content_type, as_attachment=as_attachment, filename=filename
    )
    response.block_size = STREAM_BLOCK
    response["Content-Length"] = str(size)
    return response


def stored_files_delete_on_commit(files: Iterable[tuple[Storage, str]], *, why: str) -> None:
    """Delete stored files once the transaction that stops pointing at them commits. A file that
    cannot be deleted (the store not answering) is logged as an error for an administrator, and
    never turns the committed change into an error page."""
    names = [(storage, name) for storage, name in files if name]
    if not names:
        return

    def delete() -> None:
        for storage, name in names:
            try:
                storage.delete(name)
            except Exception:  # any store's failure: the change it follows has committed
                log.exception("%s: stored file %s not deleted", why, name)

    transaction.on_commit(delete)


@contextmanager
def stored_files_undone_on_error(*files: Any) -> Iterator[None]:
    """Files saved into `files` (FileField values) inside the block are deleted again if the
    block fails, so a refusal or a fault halfway through leaves no object in the bucket that no
    record points at (and that retention would never find)."""
    before = [f.name for f in files]
    try:
        yield
    except BaseException:
        for stored, was in zip(files, before, strict=True):
            if stored.name and stored.name != was:
                try:
                    stored.storage.delete(stored.name)
                except Exception:  # the failure being raised matters more
                    log.exception("stored file %s not deleted after a failure", stored.name)
        raise
