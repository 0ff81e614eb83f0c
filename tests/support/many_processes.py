# ruff: noqa: S603  (the programs and their arguments are fixed here, never input)
"""A whole deployment on 127.0.0.1, as issue 19's deployment contract describes it, for
test_many_processes.py: two web processes (gunicorn), a worker for alerts and everything else, a
worker for exports, one scheduler (celery beat), on one PostgreSQL database, one Redis (broker and
shared cache), one S3 API (moto's server) and one SMTP server.

What is specific to the contract (queue names, the object store, the cache, the health command)
is in the constants below and in `Deployment.environment()`: the one place to change when it
changes. What the product does with it is read from the product itself (`Probe`), so the test
checks what the code it runs does, on main and after each part of issue 19 is merged.

Every process runs in a process group of its own and is stopped with the group, its output goes
to a log file in the deployment's temporary directory, and every wait has a deadline.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from demo.people import DEMO_PASSWORD_DEFAULT as DEMO_PASSWORD
from tests.support.forms import Form, page_forms
from tests.support.processes import (
    Process,
    SmtpServer,
    die_with_the_test,
    free_port,
    manage,
    stop_all,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent

# --- The deployment contract of issue 19 ------------------------------------------------------
# Production settings, but for where static files are served from (loopback_settings.py).
SETTINGS = "tests.deploy.loopback_settings"
# The Celery queues each worker takes (`celery worker -Q ...`), once the product routes its tasks
# to them; until then both workers take the product's one queue.
ALERTS_WORKER_QUEUES = ("alerts", "default")
EXPORTS_WORKER_QUEUES = ("exports",)
# How each program is started, beyond its queues and port: the contract's limits (time, memory)
# belong here when they are given on the command line rather than in the settings.
WEB_OPTIONS = ("--workers", "1", "--threads", "4")
ALERTS_WORKER_OPTIONS = ("--concurrency", "1")
EXPORTS_WORKER_OPTIONS = (
    "--concurrency",
    "1",
    "--max-memory-per-child=1000000",  # KiB, as docker-compose's exports worker
    "--max-tasks-per-child=50",
)
# Tasks the test follows.
ALERT_TASK = "safeguard.notification_deliver"
EXPORT_TASK = "transfers.export_render"
PERIODIC_TASK = "safeguard.sessions_clear_expired"
# The object store: a bucket on moto's S3 server (started by the deployment).
S3_BUCKET = "safeguard-many-processes"
S3_REGION = "eu-west-2"
S3_KEY_ID, S3_SECRET = "many-processes-test", "many-processes-test-secret"  # moto takes any
# Redis databases: the broker's, and the shared cache's (CACHE_URL).
BROKER_DB, CACHE_DB = 0, 1
# The scheduler's standing job the test adds (as an administrator would in the platform admin), so
# beat has something due every few seconds instead of the product's shortest, a minute.
PERIODIC_NAME = "Clear expired sessions (many-processes test)"
PERIODIC_EVERY_SECONDS = 3

START_TIMEOUT = 60.0  # a process to be ready, on a busy two-core machine
COMMAND_TIMEOUT = 180.0  # migrate, seed_demo


def run_command(name: str, argv: list[str], env: dict[str, str], log: Path) -> str:
    """Run a one-off command (the migrate job, the demo seed) to the end; its output."""
    with log.open("ab") as out:
        try:
            done = subprocess.run(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=COMMAND_TIMEOUT,
                start_new_session=True,
                preexec_fn=die_with_the_test,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(f"{name}: not done within {COMMAND_TIMEOUT:.0f} s") from exc
    text = log.read_text(errors="replace")
    if done.returncode != 0:
        tail = "\n".join(text.splitlines()[-30:])
        raise AssertionError(f"{name} failed (exit {done.returncode}):\n{tail}")
    return text


@dataclass
class Probe:
    """What the product, configured as the processes are, does with the contract's settings
    (tests/deploy/probe.py prints it)."""

    storage: str  # the default storage's class
    cache: str  # the default cache's backend
    default_queue: str
    queues: dict[str, str]  # task name: the queue it is sent to
    commands: list[str]

    def s3_configured(self) -> bool:
        """Files go to the object store (the storage part of issue 19 is in)."""
        return "s3" in self.storage.lower()

    def queues_routed(self) -> bool:
        """Alerts and exports have queues of their own (the scale-out part of issue 19 is in)."""
        return (
            self.queues.get(ALERT_TASK) in ALERTS_WORKER_QUEUES
            and self.queues.get(EXPORT_TASK) in EXPORTS_WORKER_QUEUES
        )

    def has_health_command(self) -> bool:
        """`manage.py health web|worker|scheduler` (and with it the single-scheduler lock)."""
        return "health" in self.commands

    def shared_cache(self) -> bool:
        """The cache is Redis's, from CACHE_URL, shared by every process."""
        return "redis" in self.cache.lower()

    def worker_queues(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The queues of the alerts worker and of the exports worker."""
        if self.queues_routed():
            return ALERTS_WORKER_QUEUES, EXPORTS_WORKER_QUEUES
        return (self.default_queue,), (self.default_queue,)


class Database:
    """A PostgreSQL database of the deployment's own, on the suite's server; dropped at the end."""

    def __init__(self, settings_dict: dict[str, Any], name: str) -> None:
        self.host = settings_dict["HOST"] or "127.0.0.1"
        self.port = int(settings_dict["PORT"] or 5432)
        self.user = settings_dict["USER"] or "postgres"
        self.password = settings_dict["PASSWORD"] or ""
        self.name = name

    @property
    def url(self) -> str:
        auth = self.user + (f":{self.password}" if self.password else "")
        return f"postgres://{auth}@{self.host}:{self.port}/{self.name}"

    def _connect(self, dbname: str) -> Any:
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname,
            autocommit=True,
            connect_timeout=10,
        )

    def create(self) -> None:
        with self._connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with self._connect("postgres") as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read what the processes wrote (the test writes nothing here)."""
        with self._connect(self.name) as conn:
            return list(conn.execute(sql, params).fetchall())


class Redis:
    """A redis-server of the deployment's own (the broker's database and the cache's), empty."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.process = Process(
            "redis",
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--loglevel", "warning"],
            dict(os.environ),
            log,
        )

    def start(self) -> None:
        self.process.start()
        wait_for("redis-server to answer", self._answers, START_TIMEOUT)

    def _answers(self) -> bool:
        import redis

        with contextlib.suppress(redis.RedisError):
            return bool(redis.Redis(port=self.port, socket_timeout=2).ping())
        return False

    def keys_in(self, db: int) -> int:
        import redis

        return int(redis.Redis(port=self.port, db=db, socket_timeout=5).dbsize())


class ObjectStore:
    """moto's S3 server on a free port, with the deployment's bucket made before the app starts."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.process = Process(
            "s3",
            [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.port)],
            {**os.environ, "PYTHONUNBUFFERED": "1"},
            log,
        )

    def start(self) -> None:
        self.process.start()
        wait_for("the S3 server to answer", self._answers, START_TIMEOUT)
        self.client().create_bucket(
            Bucket=S3_BUCKET, CreateBucketConfiguration={"LocationConstraint": S3_REGION}
        )

    def _answers(self) -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(self.endpoint, timeout=2).status_code < 500
        return False

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=S3_REGION,
            aws_access_key_id=S3_KEY_ID,
            aws_secret_access_key=S3_SECRET,
        )

    def keys(self) -> list[str]:
        found = self.client().list_objects_v2(Bucket=S3_BUCKET)
        return [o["Key"] for o in found.get("Contents", [])]

    def head(self, key: str) -> dict[str, Any]:
        return dict(self.client().head_object(Bucket=S3_BUCKET, Key=key))


@dataclass
class Web:
    name: str
    port: int
    process: Process

    @property
    def address(self) -> str:
        """Where gunicorn listens (plain HTTP, as behind the TLS proxy)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def public(self) -> str:
        """The address people reach it at, through the proxy."""
        return f"https://127.0.0.1:{self.port}"


@dataclass
class Deployment:
    """Everything the test runs. `up()` starts it all; `down()` stops it all, whatever happened."""

    directory: Path
    database: Database
    processes: list[Process] = field(default_factory=list)
    redis: Redis | None = None
    smtp: SmtpServer | None = None
    s3: ObjectStore | None = None
    probe: Probe | None = None
    web_a: Web | None = None
    web_b: Web | None = None
    env: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds each step took
    _last_report: str = ""

    @property
    def media_root(self) -> Path:
        return self.directory / "media"

    def log(self, name: str) -> Path:
        return self.directory / f"{name}.log"

    def process(self, name: str) -> Process:
        return next(p for p in self.processes if p.name == name)

    # --- Start ---------------------------------------------------------------------------------

    def environment(self, site_port: int) -> dict[str, str]:
        """The environment every process of the deployment reads, as a deployment sets it."""
        assert self.redis is not None
        assert self.smtp is not None
        assert self.s3 is not None
        redis = f"redis://127.0.0.1:{self.redis.port}"
        kept = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "HOME")}
        return {
            **kept,
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "SIGNING_KEY_ENCRYPTION_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            # The address in emails: web A's, as people reach it through the TLS proxy.
            "SITE_URL": f"https://127.0.0.1:{site_port}",
            "DATABASE_URL": self.database.url,
            "CELERY_BROKER_URL": f"{redis}/{BROKER_DB}",
            "CACHE_URL": f"{redis}/{CACHE_DB}",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp.port}",
            "EMAIL_TIMEOUT": "20",
            # Local files until the object store is in (then the bucket below): a directory every
            # process shares, as one host's volume would be.
            "MEDIA_ROOT": str(self.media_root),
            "S3_BUCKET": S3_BUCKET,
            "S3_ENDPOINT_URL": self.s3.endpoint,
            "S3_REGION": S3_REGION,
            "AWS_ACCESS_KEY_ID": S3_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": S3_SECRET,
            "S3_SERVER_SIDE_ENCRYPTION": "AES256",
            # The people the test signs in as are the demo's: a deployment made to show the
            # product, so demo seeding is turned on (production refuses it otherwise).
            "DEMO_SEEDING": "true",
            "LOG_FORMAT": "text",  # the test reads the workers' logs for the tasks they ran
            # A control socket for each gunicorn ("{pid}": its master's), in the test's folder.
            "GUNICORN_CONTROL_SOCKET": str(self.directory / "gunicorn-{pid}.ctl"),
            "DEMO_PASSWORD": DEMO_PASSWORD,
        }

    @classmethod
    @contextlib.contextmanager
    def up(cls, database_name: str, settings_dict: dict[str, Any]) -> Iterator[Deployment]:
        directory = Path(tempfile.mkdtemp(prefix="safeguard-many-processes-"))
        deployment = cls(directory=directory, database=Database(settings_dict, database_name))
        try:
            yield deployment
        finally:
            deployment.down()

    @contextlib.contextmanager
    def timed(self, step: str) -> Iterator[None]:
        began = time.monotonic()
        try:
            yield
        finally:
            self.timings[step] = round(time.monotonic() - began, 1)

    def start(self) -> None:
        with self.timed("services"):
            self.media_root.mkdir()
            self.redis = Redis(self.log("redis"))
            self.processes.append(self.redis.process)
            self.redis.start()
            self.smtp = SmtpServer()
            self.smtp.start()
            self.s3 = ObjectStore(self.log("s3"))
            self.processes.append(self.s3.process)
            self.s3.start()
            port_a, port_b = free_ports(2)
            self.env = self.environment(site_port=port_a)
            self.database.create()

        manage = [sys.executable, "manage.py"]
        with self.timed("migrate"):  # the one-off migrate job (docker-compose's `migrate`)
            run_command(
                "migrate", [*manage, "migrate", "--noinput", "-v0"], self.env, self.log("migrate")
            )
            run_command(
                "sync_role_permissions",
                [*manage, "sync_role_permissions"],
                self.env,
                self.log("migrate"),
            )
        with self.timed("probe"):
            printed = run_command(
                "probe",
                [sys.executable, "-m", "tests.deploy.probe", PERIODIC_NAME, PERIODIC_TASK]
                + [str(PERIODIC_EVERY_SECONDS), ALERT_TASK, EXPORT_TASK],
                self.env,
                self.log("probe"),
            )
            self.probe = Probe(**json.loads(printed.strip().splitlines()[-1]))

        with self.timed("seed and start"):
            # The processes start while the demo trust is loaded (their start is mostly
            # importing; the seed mostly waits on the database).
            alerts_queues, exports_queues = self.probe.worker_queues()
            self.web_a = self._web("web-a", port_a)
            self.web_b = self._web("web-b", port_b)
            self._worker("worker-alerts", "alerts", alerts_queues, ALERTS_WORKER_OPTIONS)
            self._worker("worker-exports", "exports", exports_queues, EXPORTS_WORKER_OPTIONS)
            self.scheduler("scheduler")
            run_command(
                "seed_demo", [*manage, "seed_demo", "--no-history"], self.env, self.log("seed")
            )
            for web in (self.web_a, self.web_b):
                wait_for(
                    f"{web.name} to answer /healthz/",
                    lambda web=web: self._healthy(web),
                    START_TIMEOUT,
                    explain=f":\n{web.process.tail()}",
                )
            for name in ("worker-alerts", "worker-exports"):
                self.process(name).wait_for_output(" ready.")
            self.process("scheduler").wait_for_output("beat: Starting...")

    def _web(self, name: str, port: int) -> Web:
        process = Process(
            name,
            [str(BIN / "gunicorn"), "safeguard.wsgi", "--config", "gunicorn.conf.py"]
            + ["--bind", f"127.0.0.1:{port}", *WEB_OPTIONS],
            self.env,
            self.log(name),
        ).start()
        self.processes.append(process)
        return Web(name, port, process)

    def _worker(
        self, name: str, nodename: str, queues: tuple[str, ...], options: tuple[str, ...]
    ) -> Process:
        process = Process(
            name,
            [str(BIN / "celery"), "-A", "safeguard", "worker", "-Q", ",".join(queues)]
            + ["-n", f"{nodename}@%h", *options, "--loglevel", "INFO"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            self.env,
            self.log(name),
        ).start()
        self.processes.append(process)
        return process

    def scheduler(self, name: str) -> Process:
        """`celery beat` (the contract's `scheduler`); its schedule is in the database."""
        process = Process(
            name,
            [str(BIN / "celery"), "-A", "safeguard", "beat", "--loglevel", "INFO"]
            + ["--pidfile", str(self.directory / f"{name}.pid")]
            + ["--schedule", str(self.directory / f"{name}-schedule")],
            self.env,
            self.log(name),
        ).start()
        self.processes.append(process)
        return process

    def _healthy(self, web: Web) -> bool:
        if not web.process.alive():
            raise AssertionError(f"{web.name} stopped:\n{web.process.tail()}")
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{web.address}/healthz/", timeout=5).status_code == 200
        return False

    def manage(self, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """A management command run as an operator (or a health check) runs it."""
        return manage(self.env, *args, timeout=timeout)

    # --- Stop ----------------------------------------------------------------------------------

    def down(self) -> None:
        """Stop everything started and remove what was made; every step is tried whatever the
        one before it did. The logs' last lines are kept for the report."""
        with contextlib.suppress(Exception):
            self._last_report = self.report()
        with self.timed("stop"):
            stop_all(self.processes)
            for stop in (
                self.smtp.stop if self.smtp else None,
                self.database.drop,
            ):
                if stop is not None:
                    with contextlib.suppress(Exception):
                        stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def report(self, lines: int = 25) -> str:
        """The last lines of each process's log, for a failed test."""
        if self._last_report:
            return self._last_report
        parts = [f"--- seconds per step: {self.timings}"]
        for name in ("migrate", "probe", "seed"):
            path = self.log(name)
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {name} (last {lines} lines)\n" + "\n".join(text))
        for process in self.processes:
            state = "running" if process.alive() else "stopped"
            parts.append(f"--- {process.name} ({state}; last {lines} lines)\n{process.tail(lines)}")
        return "\n".join(parts)


# --- A person's browser ---------------------------------------------------------------------------


@dataclass
class Page:
    url: str  # the address the person sees (https, through the proxy)
    status: int
    text: str
    content: bytes
    headers: dict[str, str]

    def forms(self) -> list[Form]:
        return page_forms(self.text)

    def form(self, action: str | None = None, *, button: str | None = None) -> Form:
        """The page's form posting to `action` (a path; "" is the page itself), or holding a
        button with this value."""
        for form in self.forms():
            target = urlsplit(urljoin(self.url, form.action or self.url)).path
            if action is not None and target != action:
                continue
            if button is not None and not any(b.value == button for b in form.buttons):
                continue
            return form
        raise AssertionError(f"no form for {action or button!r} on {self.url}")


PROXIED = "https://127.0.0.1:"  # the web processes' addresses, as people reach them


class Browser:
    """A person's browser, reaching the web processes through a TLS proxy (played by this class):
    it keeps the cookies it is given (Secure ones too, its connection being HTTPS), and each
    request goes to gunicorn in plain HTTP with `X-Forwarded-Proto: https`, as the proxy sends it.
    Redirects are followed as a browser does, to the process the address names (or, for an
    address that is not the service's, straight there)."""

    def __init__(self) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "Mozilla/5.0 (many-processes test)"

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        assert url.startswith(PROXIED), url
        public = urlsplit(url)
        origin = f"https://{public.netloc}"
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": kwargs.pop("referer", url),
            **kwargs.pop("headers", {}),
        }
        if method == "POST":
            headers["Origin"] = origin
        response = self.session.request(
            method,
            "http" + url.removeprefix("https"),
            headers=headers,
            allow_redirects=False,
            timeout=60,
            **kwargs,
        )
        # The person's side of the proxy is HTTPS, so the browser sends its Secure cookies (the
        # session's and CSRF's, `__Host-` named) with each request; requests, seeing http://
        # here, would not.
        for cookie in self.session.cookies:
            cookie.secure = False
        return response

    def request(self, method: str, url: str, **kwargs: Any) -> Page:
        response = self._send(method, url, **kwargs)
        for _ in range(10):
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            url = urljoin(url, response.headers["Location"])
            if url.startswith(PROXIED):
                response = self._send("GET", url)
            else:  # elsewhere (a short-lived signed URL of the object store): not the proxy's
                response = requests.get(url, timeout=60, allow_redirects=False)
        else:
            raise AssertionError(f"too many redirects at {url}")
        return Page(
            url=url,
            status=response.status_code,
            text=response.text,
            content=response.content,
            headers=dict(response.headers),
        )

    def get(self, url: str, **kwargs: Any) -> Page:
        return self.request("GET", url, **kwargs)

    def submit(self, page: Page, form: Form, button: str | None = None, **values: Any) -> Page:
        """Post the form as the page rendered it, with these answers, by pressing the button
        (name=value of the one whose value is `button`)."""
        data: dict[str, Any] = form.values()
        data.update(values)
        if button is not None:
            pressed = next(b for b in form.buttons if b.value == button)
            data[pressed.name] = pressed.value
        return self.request(
            "POST", urljoin(page.url, form.action or page.url), data=data, referer=page.url
        )


def free_ports(count: int) -> list[int]:
    """Ports free now, each different (bound at once, so the system cannot give one twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()
