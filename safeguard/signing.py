"""Signing records: canonical content and its SHA-256.

A signed record stores who signed, when, and the SHA-256 of its canonical content. The canonical
form is JSON with sorted keys, no insignificant whitespace, UTF-8, and ISO 8601 times in UTC, so
any system can recompute the hash from an export and check nothing changed.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import uuid
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes cannot be signed")
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot sign a {type(value).__name__}")


def canonical_json(content: dict[str, Any]) -> bytes:
    """The exact bytes that are hashed."""
    return json.dumps(
        content, default=_default, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256, hex, of the canonical content."""
    return hashlib.sha256(canonical_json(content)).hexdigest()
