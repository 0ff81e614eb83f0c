"""Log lines with no names and no free text (docs/adr/0039, after docs/adr/0033).

With `LOG_FORMAT=json` every line is one JSON object: `time`, `level`, `logger`, `message`, and
the `request_id` of the request it was written for (or the `task_id` and `task_name` of the
Celery task, with the `request_id` of the request that queued it). The formatters never write
what could carry a person's name or words:

- a line Django writes about a response ("Not Found: /path", "Bad Request: ...",
  DisallowedHost's "Invalid HTTP_HOST header: ...") is rewritten as the status or the exception's
  class and the URL's route pattern (`/pupils/<uuid:pk>/`), never the path typed nor the host;
- Celery's lines about a task keep its name and id but not its return value nor the text of its
  exception (only the exception's class);
- a traceback keeps its frames (file, line, function, the code) and each exception's class, but
  not the exception's message: a database error's detail holds the row's values, a validation
  error the words typed. No local variables are ever written (Python's tracebacks hold none).
- only the fields named here are written: a record's other attributes (Django adds the request
  object, Celery the task's arguments) never reach the line.

The text formatter (`make run`, the tests) applies the same rewriting to Django's and Celery's
lines, but keeps tracebacks whole for the developer at the console.
"""

from __future__ import annotations

import datetime
import http
import logging
import re
import traceback
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

from .request_id import ENVIRON_ID, request_id, route_of

# Fields a record may carry to the JSON line, besides the standard ones.
EXTRA_FIELDS = ("security_event", "status_code", "http")
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def _task() -> tuple[str | None, str | None, str | None]:
    """The running Celery task's id, name and the request id it was queued with, if any."""
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover
        return None, None, None
    task = current_task
    if task is None or not getattr(task, "request", None) or task.request.id is None:
        return None, None, None
    queued_by = getattr(task.request, "request_id", None)
    if queued_by is None and isinstance(getattr(task.request, "headers", None), dict):
        queued_by = task.request.headers.get("request_id")
    return task.request.id, task.name, queued_by


class ContextFilter(logging.Filter):
    """Adds `request_id`, `task_id` and `task_name` to every record (None when there are none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = request_id.get()
        request = record.__dict__.get("request")
        if rid is None and request is not None:
            # Django logs a 4xx or 5xx response after the middleware has returned.
            meta = getattr(request, "META", None)
            rid = meta.get(ENVIRON_ID) if isinstance(meta, dict) else None
        task_id, task_name, queued_by = _task()
        record.request_id = rid or queued_by
        record.task_id = task_id
        record.task_name = task_name
        return True


def _exception_class(text: str) -> str:
    """`ValueError('Jane Doe')` or `ValueError: Jane Doe` -> `ValueError`."""
    match = re.match(r"\s*([A-Za-z_][\w.]*)", text or "")
    return match.group(1) if match else "error"


def safe_message(record: logging.LogRecord) -> str:
    """The record's message, with whatever a person could have typed taken out."""
    name = record.name
    request = record.__dict__.get("request")
    if name.startswith("django.security.") and name != "django.security.csrf":
        # DisallowedHost, SuspiciousFileOperation, ...: their text quotes what was sent.
        route = route_of(request) if request is not None else None
        return f"{name.rsplit('.', 1)[1]}: {route or '-'}"
    if name.startswith("django.") and hasattr(request, "META"):
        status = record.__dict__.get("status_code")
        try:
            reason = http.HTTPStatus(int(status)).phrase if status else "Response"
        except ValueError:
            reason = str(status)
        return f"{reason}: {route_of(request) or '-'}"  # type: ignore[arg-type]
    if name == "django.server" and isinstance(record.args, tuple) and record.args:
        # runserver's request line: the path without its query string
        line = str(record.args[0])
        method, _, rest = line.partition(" ")
        path = rest.split("?", 1)[0].split(" ", 1)[0]
        return " ".join([method, path, *(str(a) for a in record.args[1:])])
    if name == "gunicorn.error":
        text = record.getMessage()
        if text.startswith("Error handling request"):
            return "Error handling request"  # gunicorn adds the URI, query and all
        if text.startswith("Invalid request from"):
            return text.split(":", 1)[0]  # its reason can quote the request line
        return text
    if name.startswith("celery.") and isinstance(record.args, dict):
        context = dict(record.args)
        if "return_value" in context:
            context["return_value"] = "-"
        if "exc" in context:
            context["exc"] = _exception_class(str(context["exc"]))
        try:
            return str(record.msg) % context
        except (TypeError, ValueError, KeyError):
            return str(record.msg)
    return record.getMessage()


def safe_exception(exc_info: ExcInfo) -> dict[str, Any]:
    """An exception as its class and its frames (and those of its causes), without its message."""
    _, exc, tb = exc_info
    chain: list[dict[str, Any]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(chain) < 5:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__ if current is not exc else tb)
        chain.append(
            {
                "type": f"{type(current).__module__}.{type(current).__qualname__}",
                "frames": [
                    f"{frame.filename}:{frame.lineno} in {frame.name}: {frame.line or ''}".rstrip()
                    for frame in frames[-30:]
                ],
            }
        )
        current = current.__cause__ or current.__context__
    return {"type": chain[0]["type"] if chain else "", "chain": chain}


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object a line, with the fields named above and nothing else."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": safe_message(record),
        }
        for key in ("request_id", "task_id", "task_name"):
            value = record.__dict__.get(key)
            if value:
                data[key] = value
        for key in EXTRA_FIELDS:
            if key in record.__dict__:
                data[key] = record.__dict__[key]
        if record.exc_info and record.exc_info[1] is not None:
            data["exception"] = safe_exception(record.exc_info)
        return self.jsonify_log_record(data)


class TextFormatter(logging.Formatter):
    """The console's plain lines, with Django's and Celery's messages rewritten as above."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802
        record.message = safe_message(record)
        return super().formatMessage(record)


def axes_client_str(
    username: str, ip_address: str, user_agent: str, path_info: str, request: Any
) -> str:
    """What django-axes writes about a failed or locked-out sign-in: the address only, never the
    email typed (it may be anyone's, and is a person's name more often than not)."""
    return f"{{ip_address: {ip_address!r}}}"


def configure(config: dict[str, Any]) -> None:
    """LOGGING_CONFIG: the LOGGING setting, and Python's warnings as log lines (a library's
    warning would otherwise be bare text among the JSON)."""
    import logging.config

    logging.config.dictConfig(config)
    logging.captureWarnings(True)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """The LOGGING setting for `json` or `text` lines on standard error."""
    if log_format not in ("json", "text"):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "safeguard.logs.ContextFilter"}},
        "formatters": {
            "text": {
                "()": "safeguard.logs.TextFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            },
            "json": {"()": "safeguard.logs.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # pyHanko logs a warning with a traceback for every signature from an unknown
            # signer; transfers.signing.verify reports each problem in words to the person
            # checking instead.
            "pyhanko": {"level": "ERROR"},
            "weasyprint": {"level": "WARNING"},  # not a line for every stylesheet of every export
            "fontTools": {"level": "WARNING"},
            # "pikepdf C++ to Python logger bridge initialized" at every start, health checks too.
            "pikepdf": {"level": "WARNING"},
            # Refused requests (safeguard/security_log.py): kept whatever LOG_LEVEL says.
            "safeguard.security": {"level": "INFO"},
            # Django's own loggers propagate to the root's one handler, as every other does.
            "django": {"level": level, "handlers": [], "propagate": True},
            "django.server": {"level": level, "handlers": [], "propagate": True},
        },
    }
