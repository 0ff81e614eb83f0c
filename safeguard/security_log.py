"""Refused requests, written to the security log (issue 16, docs/adr/0033).

A person asking for a record they may not see gets the same 404 whether it is another school's,
restricted, or missing (docs/architecture.md section 4 rule 2), and a page they may not use a
403. Each refusal is also a line of the `safeguard.security` logger: who, when (the line's
time), from where (the person's address, `client_ip`), which route and which ids they asked for,
and whether such a record exists. Never any of the record's content, nor which school holds it:
only whether that is one of the person's own schools.

The page and its timing stay the same for every reason: the look-up that tells a refused record
from a missing one is made for every refusal, after the view, and nothing is written to the
database (a row written only for records that exist would be a timing signal; one written for
every 404 would let anyone signed in fill a table).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import Http404, HttpRequest
from django.utils import timezone

from .access import NoSuchRecord, access_for
from .client_ip import client_ip

logger = logging.getLogger("safeguard.security")

# Route arguments never written: secrets in a password-reset or invitation link.
SECRET_ARGUMENTS = ("token", "uidb64")


def _existing(exception: NoSuchRecord, request: HttpRequest) -> tuple[bool, str]:
    """Whether the record asked for exists, and if so whether it is of one of the person's own
    schools ("own"), of another ("other"), or of no school ("": a trust's, say); never which."""
    model, record_id = exception.model, exception.record_id
    if record_id is None:
        return False, ""
    if model._meta.label == "schools.School":
        column = "pk"
    elif "school" in {f.name for f in model._meta.concrete_fields}:
        column = "school_id"
    else:
        column = ""
    try:
        found = model._base_manager.filter(pk=record_id)
        held = list(found.values_list(column or "pk", flat=True)[:1])
    except (ValidationError, ValueError, TypeError, DatabaseError):
        return False, ""  # not an id at all: nothing of that name exists
    if not held:
        return False, ""
    if not column:
        return True, ""
    return True, "own" if held[0] in access_for(request.user).school_ids() else "other"


def _arguments(request: HttpRequest) -> dict[str, str]:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return {}
    return {k: str(v) for k, v in match.kwargs.items() if k not in SECRET_ARGUMENTS}


def refusal_log(request: HttpRequest, exception: Exception) -> None:
    """Write one line for a refused request (a 404 or a 403 raised by a view)."""
    if isinstance(exception, NoSuchRecord):
        exists, where = _existing(exception, request)
        event = "record_refused" if exists else "record_missing"
    elif isinstance(exception, PermissionDenied):
        event, where = "forbidden", ""
    elif isinstance(exception, Http404):
        event, where = "not_found", ""
    else:
        return
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    fields: dict[str, Any] = {
        "event": event,
        "at": timezone.now().isoformat(),
        "user": user.pk if user is not None and user.is_authenticated else None,
        "ip": client_ip(request),
        "method": request.method,
        "route": match.view_name if match is not None else "",
        "arguments": _arguments(request),
    }
    if isinstance(exception, NoSuchRecord):
        fields["model"] = exception.model._meta.label_lower
        fields["record_id"] = None if exception.record_id is None else str(exception.record_id)
        if where:
            fields["record_school"] = where
    level = logging.INFO if event in ("record_missing", "not_found") else logging.WARNING
    logger.log(level, _line(fields), extra={"security_event": fields})


def _line(fields: dict[str, Any]) -> str:
    """`key=value` pairs (the time is the log line's own), arguments as `name:value,...`."""
    words = []
    for key, value in fields.items():
        if key == "at" or value in (None, "", {}):
            continue
        if isinstance(value, dict):
            value = ",".join(f"{k}:{v}" for k, v in value.items())
        words.append(f"{key}={value}")
    return " ".join(words)
