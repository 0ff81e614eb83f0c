"""gunicorn's access log holds no query string and no Referer (issue 16, docs/adr/0033)."""

from __future__ import annotations

import datetime
import runpy
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config
from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parents[2]


def _line(tmp_path: Path) -> str:
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    config = Config()
    config.set("access_log_format", settings["access_log_format"])
    config.set("accesslog", str(tmp_path / "access.log"))
    logger = Logger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/pupils/?q=Alphason",
        "PATH_INFO": "/pupils/",
        "QUERY_STRING": "q=Alphason",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": "https://safeguard.example/triage/?pupil=Betason",
        "HTTP_USER_AGENT": "Firefox",
    }
    response = SimpleNamespace(status="200 OK", sent=1234, headers=[])
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=42))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text()


def test_a_line_has_the_path_and_nothing_of_the_query_or_the_page_before(tmp_path: Path) -> None:
    line = _line(tmp_path)
    assert '"GET /pupils/ HTTP/1.1" 200 1234 42ms "Firefox"' in line
    assert "203.0.113.9" in line
    assert "Alphason" not in line
    assert "Betason" not in line
    assert "triage" not in line


def test_every_way_of_serving_uses_it() -> None:
    for name in ("Procfile", "docker-compose.yml"):
        text = (ROOT / name).read_text()
        assert "gunicorn.conf.py" in text, name
        assert "--access-logfile" not in text, name  # the config file says where, and how


def test_a_worker_freezes_what_it_loaded_so_collections_walk_only_requests_objects() -> None:
    """docs/adr/0036: gunicorn calls `post_worker_init` once the worker has loaded the product."""
    import gc

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    hook = settings["post_worker_init"]
    config = Config()
    config.set("post_worker_init", hook)
    assert config.post_worker_init is hook
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        hook(SimpleNamespace())
        assert gc.get_freeze_count() > 1000  # Django and the product's modules
    finally:
        gc.unfreeze()
