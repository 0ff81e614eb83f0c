"""`manage.py health worker --node NAME` asks this host's worker, by its node name, through the
broker (docs/adr/0038): a real worker answers; a stopped one, or another name, does not."""

from __future__ import annotations

import os
import socket
import subprocess

import pytest

from safeguard.celery import app
from tests.support.processes import Worker, free_port, manage


def health(worker: Worker, *args: str) -> subprocess.CompletedProcess[str]:
    return manage(worker.env, "health", "worker", "--timeout", "3", *args)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("empty_queue")
def test_this_hosts_worker_answers_by_its_node_name() -> None:
    worker = Worker(broker_url=app.conf.broker_url, smtp_port=free_port())
    node = f"fault-{os.getpid()}"  # tests.support.processes.Worker runs as -n fault-<pid>@%h
    worker.start()
    try:
        answered = health(worker, "--node", node)
        assert answered.returncode == 0, answered.stderr
        assert answered.stdout.strip() == f"The worker {node}@{socket.gethostname()} answers."
        other = health(worker, "--node", "exports")
        assert other.returncode == 1
        assert other.stderr.strip().splitlines()[-1] == (
            f"The worker exports@{socket.gethostname()} did not answer within 3 s."
        )
    finally:
        print(worker.output())
        worker.stop()
    stopped = health(worker, "--node", node)
    assert stopped.returncode == 1
    assert stopped.stderr.strip().splitlines()[-1] == (
        f"The worker {node}@{socket.gethostname()} did not answer within 3 s."
    )
