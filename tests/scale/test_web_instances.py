"""Two gunicorn instances on one host start side by side with the product's configuration
(gunicorn.conf.py): no control socket shared between them (docs/adr/0038); `manage.py health web`
says whether each answers."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import (
    Process,
    database_url_of_the_test,
    free_port,
    gunicorn_command,
    manage,
    wait_for,
)


class Gunicorn(Process):
    def __init__(self, runtime: Path, **extra: str) -> None:
        self.port = free_port()
        super().__init__(
            f"gunicorn-{self.port}",
            gunicorn_command(self.port, "--workers", "1"),
            {
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "safeguard.settings.test",
                "DATABASE_URL": database_url_of_the_test(),
                # gunicorn's own default for the socket: $XDG_RUNTIME_DIR/gunicorn.ctl
                "XDG_RUNTIME_DIR": str(runtime),
                "HOME": str(runtime),
                **extra,
            },
            runtime / f"gunicorn-{self.port}.log",
        )

    def health(self) -> subprocess.CompletedProcess[str]:
        return manage(self.env, "health", "web", "--port", str(self.port))


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
        assert a.popen is not None
        assert b.popen is not None
        a_socket = runtime / f"safeguard-{a.pid}.ctl"
        b_socket = runtime / f"safeguard-{b.pid}.ctl"
        wait_for(
            "a control socket each", lambda: set(runtime.glob("*.ctl")) == {a_socket, b_socket}, 10
        )
        a.stop()  # takes its own socket away, and only its own
        assert set(runtime.glob("*.ctl")) == {b_socket}
        assert b.health().returncode == 0
    finally:
        a.stop()
        b.stop()
