# ruff: noqa: S310  (the programs, arguments and URLs are fixed here, on 127.0.0.1)
"""gunicorn for real (issue 19, docs/adr/0039): its output is JSON lines with the request's id
and no name, email or query; an unhandled error reaches an error-report receiver (a local
server speaking Sentry's envelope protocol) with none of what the request carried, and only
when SENTRY_DSN is set; the person sees the product's plain error page; /metrics adds up every
worker process's figures."""

from __future__ import annotations

import gzip
import http.server
import json
import os
import re
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.processes import (
    Process,
    database_url_of_the_test,
    free_port,
    gunicorn_command,
    wait_for,
)

NAME = "Aaliyah Alphason"
EMAIL = "aaliyah.alphason@example.org"
COOKIE = "safeguard_session=cookie-value-0123456789"
TOKEN = "metrics-token-0123456789"


@dataclass
class Receiver:
    """Accepts what a Sentry SDK sends (envelopes, gzip or brotli), and keeps their bytes."""

    port: int = field(default_factory=free_port)
    received: list[bytes] = field(default_factory=list)
    server: Any = None

    def start(self) -> None:
        received = self.received

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":
                    import brotli

                    body = brotli.decompress(body)
                received.append(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def dsn(self) -> str:
        return f"http://0123456789abcdef0123456789abcdef@127.0.0.1:{self.port}/1"

    def events(self) -> list[dict[str, Any]]:
        found = []
        for envelope in self.received:
            for line in envelope.splitlines():
                try:
                    item = json.loads(line)
                except ValueError:
                    continue
                if isinstance(item, dict) and "exception" in item:
                    found.append(item)
        return found


class Gunicorn(Process):
    """gunicorn on a free port with the project's gunicorn.conf.py, two worker processes."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        super().__init__(
            "gunicorn",
            gunicorn_command(self.port, "--workers", "2", "--threads", "2"),
            {
                **{
                    k: v
                    for k, v in os.environ.items()
                    if not k.startswith(("SENTRY_", "PROMETHEUS"))
                },
                "DJANGO_SETTINGS_MODULE": "tests.support.observed_settings",
                "DATABASE_URL": database_url_of_the_test(),
                "LOG_FORMAT": "json",
                "METRICS_TOKEN": TOKEN,
                **env,
            },
            Path(tempfile.mkstemp(prefix="safeguard-gunicorn-", suffix=".log")[1]),
        )

    def __enter__(self) -> Gunicorn:
        self.start()
        wait_for("gunicorn to answer", self._answers, 60)
        return self

    def _answers(self) -> bool:
        try:
            return self.get("/healthz/")[0] == 200
        except OSError:
            return False

    def __exit__(self, *_: object) -> None:
        self.stop(30)

    def request(
        self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], str]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(req, timeout=20) as answer:
                return answer.status, dict(answer.headers), answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
        return self.request(path, headers=headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.start()
    yield r
    r.stop()


def _fail(server: Gunicorn, rid: str) -> tuple[int, dict[str, str], str]:
    body = urllib.parse.urlencode({"name": NAME, "email": EMAIL}).encode()
    return server.request(
        "/test-only/fail/?q=Aaliyah+Alphason",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": COOKIE,
            "X-Request-ID": rid,
            "Referer": f"http://127.0.0.1/pupils/?q={NAME}",
            "User-Agent": "Browser/1.0 (Aaliyah's laptop)",
        },
    )


@pytest.mark.django_db(transaction=True)
def test_gunicorn_logs_json_reports_errors_scrubbed_and_adds_up_metrics(
    receiver: Receiver,
) -> None:
    rid = "req-" + uuid.uuid4().hex
    with Gunicorn(SENTRY_DSN=receiver.dsn, SENTRY_ENVIRONMENT="test") as server:
        status, headers, page = _fail(server, rid)
        # the person sees the product's plain page, never a trace
        assert status == 500
        assert "Sorry, there is a problem with the service" in page
        assert "Traceback" not in page
        assert "ValueError" not in page
        assert NAME not in page
        assert headers["X-Request-ID"] == rid

        # a redirect to sign in, for a pupil's page asked with a name in the query
        pupil = uuid.uuid4()
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as redirect:
            opener.open(f"http://127.0.0.1:{server.port}/pupils/{pupil}/chronology/?q=Alphason")
        assert redirect.value.code == 302

        # the workers' figures add up, whichever worker answers the scrape
        for _ in range(12):
            assert server.get("/healthz/")[0] == 200
        for _ in range(4):
            status, _, text = server.get("/metrics", Authorization=f"Bearer {TOKEN}")
            assert status == 200
            healthz = [
                float(m.group(1))
                for m in re.finditer(
                    r"^django_http_responses_total_by_status_view_method_total\{[^}]*"
                    r'status="200"[^}]*view="healthz"[^}]*\} (\S+)$',
                    text,
                    re.M,
                )
            ]
            assert sum(healthz) == 13  # the start-up check, and the twelve
            # read from the workers' files (multiprocess mode), not one process's memory
            assert "python_gc_objects_collected_total" not in text
        assert server.get("/metrics")[0] == 404

        wait_for("the error report to arrive", lambda: bool(receiver.events()), 20)
        output = server.output()

    # The error report: where it failed, nothing of what the request carried.
    (event,) = receiver.events()
    raw = b"".join(receiver.received).decode(errors="replace")
    for leak in ("Alphason", "Aaliyah", EMAIL, "cookie-value", "q=", "laptop", "Referer"):
        assert leak not in raw, leak
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(f.get("function") == "fail" for f in frames)
    assert all("vars" not in f for f in frames)
    assert event["request"]["url"] == "/test-only/fail/"
    assert event["request"]["method"] == "POST"
    assert "data" not in event["request"]
    assert event["tags"]["request_id"] == rid
    assert event["environment"] == "test"

    # gunicorn's output: one JSON object a line, with the request's id, no name or query.
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    access = [line for line in lines if line["logger"] == "gunicorn.access"]
    failed = next(line for line in access if line["http"]["route"] == "/test-only/fail/")
    assert failed["request_id"] == rid
    assert failed["http"]["status"] == 500
    assert failed["http"]["method"] == "POST"
    assert any(
        line["http"]["route"] == "/pupils/<uuid:pk>/chronology/" and line["http"]["status"] == 302
        for line in access
    )
    assert any(
        line["logger"] == "django.request" and line.get("request_id") == rid for line in lines
    )
    for leak in ("Alphason", "Aaliyah", EMAIL, "cookie-value", "q=", str(pupil)):
        assert leak not in output, leak
    assert {line["logger"] for line in lines} >= {"gunicorn.error", "gunicorn.access"}


@pytest.mark.django_db(transaction=True)
def test_without_a_dsn_nothing_is_sent(receiver: Receiver) -> None:
    with Gunicorn() as server:
        status, _, page = _fail(server, "req-" + uuid.uuid4().hex)
        assert status == 500
        assert "Sorry, there is a problem with the service" in page
        time.sleep(3)
    assert receiver.received == []
