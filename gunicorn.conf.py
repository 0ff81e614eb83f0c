"""gunicorn's settings for every way the product is served (Procfile, docker-compose.yml).

The access log holds no query string (docs/adr/0033): a URL's query can carry what someone
searched for, so a line has the method, the path alone (`%(U)s`, never `%(r)s` or `%(q)s`), the
status, the size and the time taken; and no Referer (`%(f)s`), which is a whole URL, query and
all, of the page before.
"""

import os
import tempfile
from pathlib import Path

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the product, the objects loaded (Django, every module, the
    URLconf, the templates) are moved out of the garbage collector's way: a full collection then
    walks only what requests have made since. In issue 18 each page's slowest requests were full
    collections of about 300,000 objects, 92 to 100 ms, against 13 to 23 ms frozen (docs/adr/0036).
    """
    import gc

    gc.collect()
    gc.freeze()


# --- Logs and metrics (docs/adr/0039) -------------------------------------------------------------
# Its own lines as JSON with LOG_FORMAT=json (production's default): the access line is the
# method, the URL's route pattern, the status, size, time and the request's id.
logger_class = "safeguard.gunicorn_logging.Logger"


# The workers' metrics go to files in one directory, added up at each scrape of /metrics, so the
# counts are the whole server's, not one worker's: PROMETHEUS_MULTIPROC_DIR, or one made here.
def on_starting(server: object) -> None:
    """In the master, before the first worker: the directory, emptied of an earlier run's."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="safeguard-web-metrics-")
        os.environ["SAFEGUARD_MADE_METRICS_DIR"] = "1"
    for file in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        file.unlink(missing_ok=True)


def child_exit(server: object, worker: object) -> None:
    """A worker gone: its figures stay in the sums; its live gauges are dropped."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]


def on_exit(server: object) -> None:
    """The directory made above goes with the server."""
    if os.environ.pop("SAFEGUARD_MADE_METRICS_DIR", None):
        import shutil

        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)


# gunicorn's control socket (for `gunicornc`) is by default one fixed path per user, so a second
# instance on the host takes it from the first, and stopping either removes the other's. It is off
# unless GUNICORN_CONTROL_SOCKET names a path; "{pid}" in it becomes the master's process id, so
# instances sharing a configuration get one each (docs/adr/0038).
def _control_socket() -> str:
    return os.environ.get("GUNICORN_CONTROL_SOCKET", "").replace("{pid}", str(os.getpid()))


control_socket = _control_socket() or "gunicorn.ctl"
control_socket_disable = not _control_socket()
