"""What both the PDF and the bundle need about the files an export carries."""

from __future__ import annotations

import io
from typing import Any

PREVIOUS_FOLDER = "previous/"
PREVIOUS_NAMES = {"pdf": "cp-file.pdf", "bundle": "cp-file-bundle.zip"}


def previous_path(incoming: Any, which: str) -> str:
    """Where a received file's "pdf" or "bundle" sits in the zip: previous/<its id>/..."""
    return f"{PREVIOUS_FOLDER}{incoming.pk}/{PREVIOUS_NAMES[which]}"


def pdf_page_count(data: bytes) -> int | None:
    """How many pages a PDF has (None when it cannot be read)."""
    # pyhanko is heavy: loaded when a page count is first needed, not at start-up.
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        count = PdfFileReader(io.BytesIO(data), strict=False).root["/Pages"]["/Count"]
        return int(count)
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return None
