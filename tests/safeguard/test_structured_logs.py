"""Log lines as JSON with the request's id, and no names or free text (issue 19, docs/adr/0039).

The lines are the real ones: requests go through the test client and every middleware, and
what they log goes through the JSON formatter and the context filter the LOGGING setting uses
with LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from safeguard.logs import ContextFilter, JsonFormatter, logging_config
from tests.support.world import World

NAME = "Aaliyah Alphason"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the root logger writes, as LOG_FORMAT=json writes it."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def _parsed(out: io.StringIO) -> list[dict[str, Any]]:
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # each line one JSON object, or this fails


def test_a_refused_record_logs_json_lines_with_the_request_id_and_no_name_or_query(
    client: Any, world: World, json_lines: io.StringIO
) -> None:
    client.force_login(world.users["dsl"])
    theirs = world.pupil_of("other")
    url = reverse("pupil-chronology", kwargs={"pk": theirs.pk}) + "?q=Aaliyah+Alphason"
    response = client.get(url, HTTP_X_REQUEST_ID="req-0123456789abcdef")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "req-0123456789abcdef"
    lines = _parsed(json_lines)
    by_logger = {line["logger"]: line for line in lines}
    assert {"safeguard.security", "django.request"} <= set(by_logger)
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line)
        assert line["request_id"] == "req-0123456789abcdef"
    # Django's "Not Found: /path" is the route pattern, not the path
    assert by_logger["django.request"]["message"] == "Not Found: /pupils/<uuid:pk>/chronology/"
    text = json_lines.getvalue()
    for leak in ("Alphason", "Aaliyah", "q=", "Bartholomew", "Betason", world.users["dsl"].email):
        assert leak not in text
    assert by_logger["safeguard.security"]["security_event"]["user"] == world.users["dsl"].pk


def test_a_request_id_that_is_not_well_formed_is_replaced(client: Any, db: None) -> None:
    for sent in ("Aaliyah Alphason", "x" * 65, "short", 'a"b<c>d;e'):
        response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID=sent)
        made = response["X-Request-ID"]
        assert made != sent
        assert len(made) == 32
        assert made.isalnum()
    response = client.get(reverse("healthz"))
    assert len(response["X-Request-ID"]) == 32


def test_a_path_that_matches_no_route_is_not_written(
    client: Any, db: None, json_lines: io.StringIO
) -> None:
    response = client.get("/Aaliyah-Alphason/?email=aaliyah@example.org")
    assert response.status_code == 404
    line = next(x for x in _parsed(json_lines) if x["logger"] == "django.request")
    assert line["message"] == "Not Found: -"
    assert line["request_id"] == response["X-Request-ID"]
    assert "Alphason" not in json_lines.getvalue()
    assert "aaliyah@" not in json_lines.getvalue()


def test_a_host_not_allowed_is_not_written(client: Any, db: None, json_lines: io.StringIO) -> None:
    response = client.get(reverse("healthz"), HTTP_HOST="aaliyah-alphason.example")
    assert response.status_code == 400
    line = next(x for x in _parsed(json_lines) if x["logger"].startswith("django.security"))
    assert line["message"] == "DisallowedHost: -"
    assert "alphason" not in json_lines.getvalue().lower()


def test_a_traceback_keeps_its_frames_but_not_the_exception_message(
    json_lines: io.StringIO,
) -> None:
    try:
        try:
            raise KeyError(NAME)
        except KeyError as first:
            raise ValueError(f"No pupil called {NAME}") from first
    except ValueError:
        logging.getLogger("safeguard.test").exception("pupil look-up failed")
    (line,) = _parsed(json_lines)
    assert line["level"] == "ERROR"
    assert line["exception"]["type"] == "builtins.ValueError"
    assert [c["type"] for c in line["exception"]["chain"]] == [
        "builtins.ValueError",
        "builtins.KeyError",
    ]
    assert any("test_structured_logs.py" in f for f in line["exception"]["chain"][0]["frames"])
    assert "Alphason" not in json_lines.getvalue().replace('f"No pupil called {NAME}"', "")


def test_a_records_other_attributes_never_reach_the_line(json_lines: io.StringIO) -> None:
    logging.getLogger("safeguard.test").warning(
        "plain", extra={"request": "GET /pupils/?q=Alphason", "data": {"args": [NAME]}}
    )
    (line,) = _parsed(json_lines)
    assert set(line) == {"time", "level", "logger", "message"}


def test_celery_lines_keep_the_task_not_its_return_value_or_exception_text(
    json_lines: io.StringIO,
) -> None:
    trace = logging.getLogger("celery.app.trace")
    trace.info(
        "Task %(name)s[%(id)s] succeeded in %(runtime)ss: %(return_value)s",
        {"name": "t", "id": "abc", "runtime": 0.1, "return_value": NAME},
    )
    trace.error(
        "Task %(name)s[%(id)s] %(description)s: %(exc)s",
        {"name": "t", "id": "abc", "description": "raised", "exc": f"ValueError('{NAME}')"},
    )
    first, second = _parsed(json_lines)
    assert first["message"] == "Task t[abc] succeeded in 0.1s: -"
    assert second["message"] == "Task t[abc] raised: ValueError"


def test_the_setting_chooses_json_or_text() -> None:
    assert logging_config("json", "INFO")["handlers"]["console"]["formatter"] == "json"
    assert logging_config("text", "INFO")["handlers"]["console"]["formatter"] == "text"
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        logging_config("yaml", "INFO")


def test_axes_writes_the_address_not_the_email() -> None:
    from safeguard.logs import axes_client_str

    line = axes_client_str("aaliyah@example.org", "203.0.113.9", "Firefox", "/sign-in/", None)
    assert "203.0.113.9" in line
    assert "aaliyah" not in line


def test_gunicorn_writes_json_as_the_settings_would(monkeypatch: pytest.MonkeyPatch) -> None:
    from safeguard.gunicorn_logging import json_wanted

    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    assert json_wanted() is True  # wsgi.py's default: production
    assert json_wanted({"DJANGO_SETTINGS_MODULE": "safeguard.settings.local"}) is False
    assert json_wanted({"DJANGO_SETTINGS_MODULE": "safeguard.settings.production"}) is True
    monkeypatch.setenv("LOG_FORMAT", "text")
    assert json_wanted({"DJANGO_SETTINGS_MODULE": "safeguard.settings.production"}) is False


def test_gunicorns_error_lines_lose_the_uri_and_the_request_line(json_lines: io.StringIO) -> None:
    error = logging.getLogger("gunicorn.error")
    error.error("Error handling request %s %s", "GET", "/pupils/?q=Alphason")
    error.warning("Invalid request from ip=203.0.113.9: Invalid HTTP request line: 'GET /Alphason'")
    first, second = _parsed(json_lines)
    assert first["message"] == "Error handling request"
    assert second["message"] == "Invalid request from ip=203.0.113.9"


def test_an_error_reports_breadcrumbs_keep_nothing_typed() -> None:
    from safeguard.sentry import scrub_breadcrumb, scrub_event

    http = scrub_breadcrumb(
        {"type": "http", "category": "httplib", "data": {"url": "https://s3/x?name=Alphason"}},
        {},
    )
    assert http is not None
    assert http["data"] == {"url": "https://s3/x"}
    redis_crumb = scrub_breadcrumb({"category": "redis", "message": "SET search:Alphason 1"}, {})
    assert redis_crumb is not None
    assert redis_crumb["message"] == "SET"
    sql = scrub_breadcrumb(
        {"category": "query", "message": "SELECT 1 WHERE x = %s", "data": {"db.params": [NAME]}},
        {},
    )
    assert sql is not None
    assert sql == {"category": "query", "message": "SELECT 1 WHERE x = %s", "data": {}}
    record = logging.LogRecord("django.request", 40, "", 0, "%s: %s", ("Not Found", "/x/"), None)
    logged = scrub_breadcrumb(
        {"category": "django.request", "message": "Not Found: /Alphason/"}, {"log_record": record}
    )
    assert logged is not None
    assert "Alphason" not in str(logged)
    event = scrub_event(
        {
            "user": {"id": 7, "email": "a@example.org", "username": NAME},
            "extra": {"celery-job": {"task_name": "t", "args": [NAME], "kwargs": {}}},
            "exception": {"values": [{"type": "ValueError", "value": NAME}]},
            "logentry": {"message": "No pupil %s", "params": [NAME]},
        },
        {},
    )
    assert "Alphason" not in json.dumps(event)
    assert event["user"] == {"id": 7}
    assert event["extra"] == {"celery-job": {"task_name": "t"}}
    assert event["exception"]["values"][0]["type"] == "ValueError"
