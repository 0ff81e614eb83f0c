"""Run by the many-processes test (tests/support/many_processes.py) once the database is seeded, in the deployment's
own environment: adds the scheduler's short job, then prints, as one line of JSON, what the
product does with the deployment's settings (where files go, which cache, which queue each task
is sent to, which management commands there are).

    python -m tests.deploy.probe NAME TASK EVERY_SECONDS TASK_TO_ROUTE...
"""

from __future__ import annotations

import json
import sys

import django


def main(name: str, task: str, every: str, *routed: str) -> None:
    django.setup()
    from django.core.cache import caches
    from django.core.files.storage import storages
    from django.core.management import get_commands
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from safeguard.celery import app

    # A standing job, as a platform administrator adds one (django-celery-beat's tables).
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=int(every), period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "interval": interval})

    # A value in the cache every process is given (CACHE_URL): the test finds it in Redis when
    # the cache is Redis's.
    caches["default"].set("many-processes-probe", "shared", 600)

    app.loader.import_default_modules()
    queues = {}
    for each in (task, *routed):
        options = dict(app.tasks[each]._get_exec_options())
        queue = app.amqp.router.route(options, each, (), {})["queue"]
        queues[each] = getattr(queue, "name", str(queue))
    storage, cache = type(storages["default"]), type(caches["default"])
    found = {
        "storage": f"{storage.__module__}.{storage.__qualname__}",
        "cache": f"{cache.__module__}.{cache.__qualname__}",
        "default_queue": app.conf.task_default_queue,
        "queues": queues,
        "commands": sorted(get_commands()),
    }
    print(json.dumps(found))


if __name__ == "__main__":
    main(*sys.argv[1:])
