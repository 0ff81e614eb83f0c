"""Every task goes to the queue chosen for it (docs/adr/0038), with the time limits of its kind,
and every way of running workers consumes every queue."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml
from django.conf import settings

from safeguard.celery import app

ROOT = Path(__file__).resolve().parents[2]

# Chosen on purpose, task by task: a new task fails here until someone decides where it runs.
QUEUE_OF = {
    "safeguard.notification_deliver": "alerts",
    "safeguard.notifications_relay": "alerts",
    "safeguard.notifications_digest": "alerts",
    "schools.staff_email_retry": "alerts",
    "transfers.export_render": "exports",
    "safeguard.sessions_clear_expired": "default",
    "reminders.reviews_run": "default",
    "chronology.verify_all_chains": "default",
    "transfers.retention_run": "default",
    "schools.roll_imports_expire": "default",
    "oversight.tally_refresh": "default",
}


def ours() -> set[str]:
    app.loader.import_default_modules()  # autodiscovery, as a worker does
    return {name for name in app.tasks if not name.startswith("celery.")}


def test_every_task_is_routed_on_purpose() -> None:
    assert ours() == set(QUEUE_OF)
    assert set(settings.CELERY_TASK_ROUTES) == set(QUEUE_OF)
    for name, queue in QUEUE_OF.items():
        assert app.amqp.router.route({}, name)["queue"].name == queue, name
    assert app.conf.task_default_queue == "default"
    assert {q.name for q in app.conf.task_queues} == {"alerts", "exports", "default"}


def test_the_timetable_sends_only_tasks_that_exist() -> None:
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in QUEUE_OF


def test_exports_have_minutes_and_alerts_a_short_limit_each_killed_a_minute_after_warning() -> None:
    export = app.tasks["transfers.export_render"]
    assert 60 <= export.soft_time_limit <= 30 * 60
    assert export.time_limit == export.soft_time_limit + 60
    for name in ("safeguard.notification_deliver", "schools.staff_email_retry"):
        task = app.tasks[name]
        assert task.soft_time_limit <= 5 * 60, name
        assert task.soft_time_limit > settings.EMAIL_TIMEOUT, name  # a slow server, not a stop
        assert task.time_limit == task.soft_time_limit + 60
    assert app.conf.task_soft_time_limit
    assert app.conf.task_time_limit
    assert app.conf.worker_max_tasks_per_child


def _queues(command: list[str]) -> set[str]:
    if "-Q" not in command:
        return {"alerts", "exports", "default"}  # a worker consumes every declared queue
    return set(command[command.index("-Q") + 1].split(","))


def test_compose_runs_a_worker_for_each_queue_and_exports_alone_low_and_limited() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    workers = {
        name: s["command"]
        for name, s in services.items()
        if s.get("command", [])[:4] == ["celery", "-A", "safeguard", "worker"]
    }
    assert _queues(workers["worker-alerts"]) == {"alerts", "default"}
    assert _queues(workers["worker-exports"]) == {"exports"}
    exports = workers["worker-exports"]
    assert "--concurrency=1" in exports
    assert any(arg.startswith("--max-memory-per-child=") for arg in exports)
    assert set().union(*map(_queues, workers.values())) == {"alerts", "exports", "default"}
    # predictable node names, for `manage.py health worker --node ...`
    assert "alerts@%h" in workers["worker-alerts"]
    assert "exports@%h" in workers["worker-exports"]


def test_the_procfile_worker_consumes_every_queue() -> None:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("worker:"):
            assert _queues(shlex.split(line.partition(":")[2])) == {"alerts", "exports", "default"}
            break
    else:
        raise AssertionError("no worker in the Procfile")
