"""The Celery application: tasks take ids, are idempotent, and are acknowledged late."""

import os

# A worker serving its metrics (WORKER_METRICS_PORT) keeps each pool process's figures in files,
# added up when scraped: prometheus_client reads where when it is first imported, so before
# anything else is (docs/adr/0039).
if os.environ.get("WORKER_METRICS_PORT") and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    from pathlib import Path

    _dir = Path(os.environ.get("TMPDIR", "/tmp")) / (  # noqa: S108
        f"safeguard-worker-metrics-{os.environ['WORKER_METRICS_PORT']}"
    )
    _dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_dir)

from typing import Any

from celery import Celery, signals
from celery.apps.beat import Beat

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings.local")

app = Celery("safeguard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.setup_logging.connect(weak=False)
def _logging_as_django_does(**_: object) -> None:
    """Workers and the scheduler log as the web does (settings.LOGGING: JSON lines with
    LOG_FORMAT=json, no names, the task's id on each line), not in Celery's own format."""
    from django.conf import settings

    from .logs import configure

    configure(settings.LOGGING)


def _json_logs() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "LOG_FORMAT", "text") == "json")


@signals.celeryd_init.connect(weak=False)
def _no_banner_worker(instance: Any = None, **_: object) -> None:
    """With JSON logs, no start-up banner (plain text) on the worker's output, and Python's
    warnings (the one about running as root among them) as log lines."""
    import logging

    logging.captureWarnings(True)
    if instance is not None and _json_logs():
        instance.quiet = True


class _Beat(Beat):
    """The scheduler, without its plain-text start-up banner when logs are JSON."""

    def __init__(self, *args: Any, quiet: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, quiet=quiet or _json_logs(), **kwargs)


app.__dict__["Beat"] = app.subclass_with_self(_Beat)


@signals.before_task_publish.connect(weak=False)
def _pass_the_request_id(headers: dict[str, object] | None = None, **_: object) -> None:
    """A task queued while serving a request carries the request's id, so its lines can be
    matched with the request's."""
    from .request_id import request_id

    rid = request_id.get()
    if rid and headers is not None:
        headers.setdefault("request_id", rid)


@signals.worker_init.connect(weak=False)
def _worker_metrics(**kwargs: object) -> None:
    from .metrics import start_worker_server

    start_worker_server(**kwargs)


@signals.task_prerun.connect(weak=False)
def _task_started(**kwargs: Any) -> None:
    from .metrics import task_started  # late: prometheus_client reads its mode when imported

    task_started(**kwargs)


@signals.task_postrun.connect(weak=False)
def _task_finished(**kwargs: Any) -> None:
    from .metrics import task_finished

    task_finished(**kwargs)
