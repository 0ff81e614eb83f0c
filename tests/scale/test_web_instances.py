# ruff: noqa: S603  (the programs and their arguments are fixed here, never input)
"""Two gunicorn instances on one host start side by side with the product's configuration
(gunicorn.conf.py): no control socket shared between them (docs/adr/0038); `manage.py health web`
says whether each answers."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from tests.processes import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]


class Gunicorn:
    def __init__(self, runtime: Path, **extra: str) -> None:
        db = connection.settings_dict
        self.port = free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "safeguard.settings.test",
            "DATABASE_URL": (
                f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/"
                f"{db['NAME']}"
            ),
            # gunicorn's own default for the socket: $XDG_RUNTIME_DIR/gunicorn.ctl
            "XDG_RUNTIME_DIR": str(runtime),
            "HOME": str(runtime),
            **extra,
        }
        self.log = runtime / f"gunicorn-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "safeguard.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--config",
                    "gunicorn.conf.py",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def health(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", "health", "web", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(30)
            self.process = None


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for log in tmp_path.glob("gunicorn-*.log"):
        print(f"--- {log.name}\n{log.read_text(errors='replace')}")  # shown when the test fails


def _both_answer(a: Gunicorn, b: Gunicorn) -> None:
    for web in (a, b):
        wait_for(f"gunicorn on {web.port}", lambda web=web: web.health().returncode == 0, 60)


@pytest.mark.django_db
def test_two_instances_start_side_by_side_with_no_control_socket(runtime: Path) -> None:
    a, b = Gunicorn(runtime), Gunicorn(runtime)
    a.start()
    b.start()
    try:
        _both_answer(a, b)
        assert "The web server answers." in a.health().stdout
        assert list(runtime.rglob("*.ctl")) == []  # not gunicorn's one path per user
        assert "Control socket" not in a.log.read_text()
    finally:
        a.stop()
        b.stop()
    gone = a.health()
    assert gone.returncode == 1
    assert (
        gone.stderr.strip()
        .splitlines()[-1]
        .startswith(f"The web server did not answer http://127.0.0.1:{a.port}/healthz/: ")
    )


@pytest.mark.django_db
def test_a_named_control_socket_is_one_per_instance(runtime: Path) -> None:
    named = {"GUNICORN_CONTROL_SOCKET": str(runtime / "safeguard-{pid}.ctl")}
    a, b = Gunicorn(runtime, **named), Gunicorn(runtime, **named)
    a.start()
    b.start()
    try:
        _both_answer(a, b)
        assert a.process is not None
        assert b.process is not None
        a_socket = runtime / f"safeguard-{a.process.pid}.ctl"
        b_socket = runtime / f"safeguard-{b.process.pid}.ctl"
        wait_for(
            "a control socket each", lambda: set(runtime.glob("*.ctl")) == {a_socket, b_socket}, 10
        )
        a.stop()  # takes its own socket away, and only its own
        assert set(runtime.glob("*.ctl")) == {b_socket}
        assert b.health().returncode == 0
    finally:
        a.stop()
        b.stop()
