# ruff: noqa: S603, S607  (the programs and their arguments are fixed here, never input)
"""Real processes for the fault-tolerance tests: a Redis server of the test's own (so it can be
stopped without touching anyone else's), an SMTP server that counts what it accepts (and can hold a
message so the sender can be killed in the middle), and a Celery worker in a process of its own (so
it can be killed with SIGKILL)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    what: str,
    ok: Callable[[], Any],
    timeout: float = 30.0,
    *,
    every: float = 0.1,
    explain: str = "",
) -> Any:
    """Poll `ok()` until it returns something true (and return that), failing the test with
    `what` (and `explain`) after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = ok()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s{explain}")
        time.sleep(every)


def database_url_of_the_test() -> str:
    """The test's own PostgreSQL database as a DATABASE_URL, for a process started by the test."""
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def gunicorn_command(port: int, *options: str) -> list[str]:
    """gunicorn serving the product on 127.0.0.1:`port` with the project's gunicorn.conf.py."""
    return [
        *(sys.executable, "-m", "gunicorn", "safeguard.wsgi", "--config", "gunicorn.conf.py"),
        *("--bind", f"127.0.0.1:{port}", *options),
    ]


def manage(
    env: dict[str, str], *args: str, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` run as an operator (or a health check) runs it, in `env`."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


_libc = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None
PR_SET_PDEATHSIG = 1


def die_with_the_test() -> None:
    """In the child, before it runs the program: SIGKILL it should the test's process die
    without stopping it (killed itself, say), so no process outlives a killed test run."""
    if _libc is not None:
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class Process:
    """A program the test starts, in its own process group, its output in a log file."""

    START_TIMEOUT = 60.0  # to be ready, on a busy two-core machine

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_the_test,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output().splitlines()[-lines:])

    def wait_for_output(self, text: str, timeout: float = START_TIMEOUT) -> None:
        def seen() -> bool:
            if text in self.output():
                return True
            if not self.alive():
                raise AssertionError(f"{self.name} stopped:\n{self.tail()}")
            return False

        wait_for(f"{self.name} to say {text!r}", seen, timeout, explain=f":\n{self.tail()}")

    def signal(self, sig: int) -> None:
        """Signal the whole group (a Celery worker's pool, gunicorn's workers)."""
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, grace: float = 15.0) -> None:
        stop_all([self], grace)

    def kill(self) -> None:
        """SIGKILL the whole group at once (a machine losing power, the OOM killer)."""
        self.signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(10)


def stop_all(processes: list[Process], grace: float = 15.0) -> None:
    """SIGTERM to every process group at once, SIGKILL to what is left after `grace` seconds;
    then SIGKILL to each group again, for a child that outlived its leader."""
    for process in processes:
        process.signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        if process.popen is None:
            continue
        try:
            process.popen.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.signal(signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(10)
    for process in processes:
        process.signal(signal.SIGKILL)


class RedisServer:
    """redis-server on a port of its own, stopped and started again at will (same port)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for("redis-server to listen", self.listening, 10)

    def stop(self) -> None:
        """Stop it hard, as a crash would (what it held in memory is lost)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None
        wait_for("redis-server to stop listening", lambda: not self.listening(), 10)

    def listening(self) -> bool:
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0


@contextlib.contextmanager
def celery_broker(url: str) -> Iterator[None]:
    """Point this process's Celery app at another broker for the test, then back."""
    from safeguard.celery import app

    before = app.conf.broker_url
    environ_before = os.environ.get("CELERY_BROKER_URL")

    def point_at(broker: str) -> None:
        os.environ["CELERY_BROKER_URL"] = broker  # Celery reads this before its own setting
        app.conf.broker_url = broker
        app._pool = None  # the connection pools are made once, from the broker URL
        app.amqp._producer_pool = None

    point_at(url)
    try:
        yield
    finally:
        point_at(before)
        if environ_before is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = environ_before


@dataclass
class Accepted:
    to: str
    subject: str
    body: str


@dataclass
class SmtpServer:
    """An SMTP server (aiosmtpd) recording each message it accepts.

    `hold_next()` makes it keep the next message waiting after its data has arrived and before it
    answers: the sender is in the middle of delivering. A held message whose sender has gone by the
    time it is released is refused, as a real server does when the connection drops before its
    final reply; so only messages the sender was told were accepted count as delivered.
    """

    port: int = field(default_factory=free_port)
    accepted: list[Accepted] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    _hold: bool = False
    _release: threading.Event = field(default_factory=threading.Event)
    _controller: Any = None

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        self._release.set()
        if self._controller is not None:
            self._controller.stop()

    def hold_next(self) -> None:
        self._hold = True
        self.holding.clear()
        self._release.clear()

    def release(self) -> None:
        self._release.set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self._hold:
            self._hold = False
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self._release.wait, 60)
            if session.transport is None or session.transport.is_closing():
                return "451 Requested action aborted: the sender went away"
        message = message_from_bytes(envelope.content, policy=policy.default)
        for to in envelope.rcpt_tos:
            self.accepted.append(
                Accepted(to=to, subject=str(message["Subject"]), body=message.get_content())
            )
        return "250 Message accepted for delivery"


class Worker:
    """`celery worker` (prefork, one child) in its own process group, on the test's database,
    broker and SMTP server."""

    def __init__(self, *, broker_url: str, smtp_port: int) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "safeguard.settings.test",
            "DATABASE_URL": database_url_of_the_test(),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "60",
            "PYTEST_XDIST_WORKER": "",  # the broker URL is exactly this one
        }
        self.log = Path(tempfile.mkstemp(prefix="safeguard-worker-", suffix=".log")[1])
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.write_text("")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "safeguard",
                    "worker",
                    "--pool=prefork",
                    "--concurrency=1",
                    "--without-gossip",
                    "--without-mingle",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                    f"--hostname=fault-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for("the Celery worker to be ready", lambda: " ready." in self.output(), 60)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def child_pids(self) -> list[int]:
        assert self.process is not None
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(p) for p in found.stdout.split()]

    def kill_child(self) -> int:
        """SIGKILL the pool process running the task; the worker itself carries on."""
        (child,) = self.child_pids()
        os.kill(child, signal.SIGKILL)
        return child

    def kill(self) -> None:
        """SIGKILL the worker and its pool process at once (a machine losing power, the OOM killer)."""
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None
        self.log.unlink(missing_ok=True)
