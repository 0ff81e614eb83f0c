"""`python manage.py health web|worker|scheduler`: exit 0 when this host's process is healthy,
1 with one plain line when it is not (docs/adr/0038). For container health checks and probes.

- web: the app answers /healthz/ on this host (which asks the database).
- worker: this host's worker (node `--node`, e.g. `alerts` for `-n alerts@%h`) answers a ping
  through the broker.
- scheduler: this host's beat ticked lately (holding the lock or standing by), and the lock's
  holder, wherever it runs, sent its heartbeat lately: someone is sending the timetable's tasks.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class UnhealthyError(Exception):
    """What is wrong, in one plain line."""


class Command(BaseCommand):
    help = "Exit 0 if this host's web server, worker or scheduler is healthy; 1 with a reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("process", choices=["web", "worker", "scheduler"])
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="web: the port gunicorn listens on here (default $PORT or 8000)",
        )
        parser.add_argument(
            "--node",
            default="celery",
            help="worker: its name before the @, as in `celery worker -n alerts@%%h` (default "
            "celery), or a whole name with @",
        )
        parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait")

    def handle(self, *args: Any, **options: Any) -> None:
        check = {"web": _web, "worker": _worker, "scheduler": _scheduler}[options["process"]]
        try:
            said = check(options)
        except UnhealthyError as problem:
            self.stderr.write(str(problem))
            sys.exit(1)
        if options["verbosity"] > 0:
            self.stdout.write(said)


def _web(options: dict[str, Any]) -> str:
    url = f"http://127.0.0.1:{options['port']}/healthz/"
    host = (settings.ALLOWED_HOSTS or ["localhost"])[0].lstrip(".").replace("*", "localhost")
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=options["timeout"]) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        raise UnhealthyError(f"The web server answered {url} with status {error.code}.") from None
    except (OSError, ValueError) as error:
        raise UnhealthyError(f"The web server did not answer {url}: {_reason(error)}.") from None
    if status != 200:
        raise UnhealthyError(f"The web server answered {url} with status {status}.")
    return "The web server answers."


def _worker(options: dict[str, Any]) -> str:
    from safeguard.celery import app

    node = options["node"]
    name = node if "@" in node else f"{node}@{socket.gethostname()}"
    try:
        replies = app.control.ping(destination=[name], timeout=options["timeout"])
    except Exception as error:  # the broker is unreachable: kombu's or redis-py's own errors
        raise UnhealthyError(f"The broker did not answer: {_reason(error)}.") from None
    if not any(name in reply for reply in replies):
        raise UnhealthyError(f"The worker {name} did not answer within {options['timeout']:g} s.")
    return f"The worker {name} answers."


def _scheduler(options: dict[str, Any]) -> str:
    from redis.exceptions import RedisError

    from safeguard.scheduler import HEARTBEAT_KEY, NODE_KEY, lock_url, node_name, redis_client

    url = lock_url()
    if not url:
        return "No scheduler lock without Redis (one machine, one scheduler): nothing to check."
    # A tick renews the lock at least three times in its lifetime: two lifetimes is long gone.
    fresh = 2 * settings.SCHEDULER_LOCK_SECONDS
    try:
        client = redis_client(url)
        mine, holders = client.get(NODE_KEY.format(name=node_name())), client.get(HEARTBEAT_KEY)
    except RedisError as error:
        raise UnhealthyError(f"Redis did not answer: {_reason(error)}.") from None
    now = time.time()
    me = json.loads(mine) if mine else None
    if me is None or now - me["at"] > fresh:
        raise UnhealthyError(f"The scheduler on {node_name()} has not ticked for over {fresh} s.")
    holder = json.loads(holders) if holders else None
    if holder is None or now - holder["at"] > fresh:
        raise UnhealthyError(f"No scheduler has held the lock for over {fresh} s: nothing is sent.")
    if me["role"] == "holder":
        return f"The scheduler on {node_name()} holds the lock and sends the timetable's tasks."
    return f"The scheduler on {node_name()} stands by; {holder['who']} holds the lock."


def _reason(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    return str(reason).strip().splitlines()[0] if str(reason).strip() else type(error).__name__
