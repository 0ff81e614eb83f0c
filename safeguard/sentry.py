"""Error reports to Sentry (or anything that speaks its protocol), off unless SENTRY_DSN is set
(docs/adr/0039).

A report says where the product failed, never whose record it was at: no local variables, no
request body, no query string, no cookies, no headers but a few harmless ones, no person but
their id, and no exception message (a database error's detail quotes the row, a validation
error the words typed): each exception keeps its class and its frames. A log line sent as a
report or kept as a breadcrumb is rewritten as the log's own formatter does (safeguard/logs.py);
other breadcrumbs keep their kind and nothing of their data but an SQL statement's text (its
placeholders, never its values).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from .logs import safe_message
from .request_id import request_id

# The request headers a report keeps; every other (cookies, the Authorization header, Referer,
# User-Agent, X-Forwarded-For: a person's address) is removed.
SAFE_HEADERS = {"content-type", "content-length", "accept", "x-request-id"}
REMOVED = "[removed]"


def _scrub_request(event: dict[str, Any]) -> None:
    request = event.get("request")
    if not isinstance(request, dict):
        return
    route = event.get("transaction") if event.get("transaction_info", {}).get("source") else None
    headers = request.get("headers") or {}
    event["request"] = {
        "method": request.get("method"),
        # the route pattern (`/pupils/{pk}/`), never the path typed
        "url": route if isinstance(route, str) and route.startswith("/") else REMOVED,
        "headers": {k: v for k, v in headers.items() if str(k).lower() in SAFE_HEADERS},
    }


def _scrub_exceptions(event: dict[str, Any]) -> None:
    for value in (event.get("exception") or {}).get("values") or []:
        if value.get("value"):
            value["value"] = REMOVED
        for frame in (value.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)


def _scrub_log_entry(event: dict[str, Any], hint: dict[str, Any] | None) -> None:
    record = (hint or {}).get("log_record")
    entry = event.get("logentry")
    if isinstance(entry, dict):
        safe = safe_message(record) if isinstance(record, logging.LogRecord) else REMOVED
        event["logentry"] = {"message": safe, "params": []}
    if "message" in event:
        event["message"] = REMOVED


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None) -> dict[str, Any] | None:
    """Keep a breadcrumb's kind and time; its words only where they hold no one's data."""
    record = (hint or {}).get("log_record")
    category = str(crumb.get("category") or "")
    data = crumb.get("data") or {}
    kept: dict[str, Any] = {}
    if isinstance(record, logging.LogRecord):
        crumb["message"] = safe_message(record)
    elif category == "query":
        pass  # the statement with its placeholders; its parameters are never sent
    elif crumb.get("type") == "http":
        url = str(data.get("url") or "")
        kept = {
            "url": url.split("?", 1)[0].split("#", 1)[0],
            "method": data.get("method"),
            "status_code": data.get("status_code"),
        }
        crumb["message"] = None
    elif category == "redis":
        crumb["message"] = str(crumb.get("message") or "").split(" ", 1)[0]  # the command
    else:
        crumb["message"] = None
    crumb["data"] = {k: v for k, v in kept.items() if v is not None}
    return crumb


def scrub_event(event: dict[str, Any], hint: dict[str, Any] | None) -> dict[str, Any]:
    """What before_send and before_send_transaction do to every report."""
    user = event.get("user")
    event["user"] = {"id": user["id"]} if isinstance(user, dict) and user.get("id") else {}
    _scrub_request(event)
    _scrub_exceptions(event)
    _scrub_log_entry(event, hint)
    extra = event.get("extra") or {}
    job = extra.get("celery-job") if isinstance(extra, dict) else None
    event["extra"] = {"celery-job": {"task_name": job.get("task_name")}} if job else {}
    for span in event.get("spans") or []:
        span.pop("data", None)
    rid = request_id.get()
    if rid:
        event.setdefault("tags", {})["request_id"] = rid
    return event


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub_event(event, hint)


def before_send_transaction(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub_event(event, hint)


def sentry_init(*, dsn: str, environment: str | None) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        # Performance traces only if asked for (a fraction, e.g. 0.05).
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0),
        before_send=before_send,  # type: ignore[arg-type]
        before_send_transaction=before_send_transaction,  # type: ignore[arg-type]
        before_breadcrumb=scrub_breadcrumb,
        integrations=[
            DjangoIntegration(transaction_style="url"),
            CeleryIntegration(monitor_beat_tasks=False),
        ],
    )
