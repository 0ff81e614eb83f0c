"""gunicorn's settings for every way the product is served (Procfile, docker-compose.yml).

The access log holds no query string (docs/adr/0033): a URL's query can carry what someone
searched for, so a line has the method, the path alone (`%(U)s`, never `%(r)s` or `%(q)s`), the
status, the size and the time taken; and no Referer (`%(f)s`), which is a whole URL, query and
all, of the page before.
"""

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


# gunicorn's control socket (for `gunicornc`) is by default one fixed path per user, so a second
# instance on the host takes it from the first, and stopping either removes the other's. It is off
# unless GUNICORN_CONTROL_SOCKET names a path; "{pid}" in it becomes the master's process id, so
# instances sharing a configuration get one each (docs/adr/0038).
def _control_socket() -> str:
    import os

    return os.environ.get("GUNICORN_CONTROL_SOCKET", "").replace("{pid}", str(os.getpid()))


control_socket = _control_socket() or "gunicorn.ctl"
control_socket_disable = not _control_socket()
