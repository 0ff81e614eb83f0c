"""gunicorn's own log lines as JSON when LOG_FORMAT=json (docs/adr/0039); plain text otherwise.

The access line is written from what the product left in the request's WSGI environ
(safeguard/request_id.py): its id and the URL's route pattern. Never the path as typed, the
query string, the Referer or the user agent: a line has the method, the route, the status, the
size, the time taken, the address the connection came from and the request's id.
"""

from __future__ import annotations

import datetime
import logging
import os
from typing import Any

from gunicorn.glogging import Logger as _GunicornLogger

from .logs import JsonFormatter
from .request_id import ENVIRON_ID, ENVIRON_ROUTE, well_formed


def json_wanted(env: dict[str, str] | None = None) -> bool:
    """LOG_FORMAT, else the settings' default: json in production, which is what
    safeguard/wsgi.py loads when DJANGO_SETTINGS_MODULE is not set. gunicorn's `--env` values
    (`env`) count as well: the logger is made before gunicorn puts them in the environment."""
    given = {**os.environ, **(env or {})}
    if given.get("LOG_FORMAT"):
        return given["LOG_FORMAT"] == "json"
    module = given.get("DJANGO_SETTINGS_MODULE") or "safeguard.settings.production"
    return module.endswith(".production")


class Logger(_GunicornLogger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.json = json_wanted(getattr(cfg, "env", None) or {})
        if self.json:
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())

    def access(
        self, resp: Any, req: Any, environ: dict[str, Any], request_time: datetime.timedelta
    ) -> None:
        if not getattr(self, "json", False):
            super().access(resp, req, environ, request_time)
            return
        if not self.access_log_enabled:
            return
        status = str(getattr(resp, "status", "") or "").split(None, 1)[0]
        rid = environ.get(ENVIRON_ID) or well_formed(environ.get("HTTP_X_REQUEST_ID"))
        route = environ.get(ENVIRON_ROUTE)
        method = environ.get("REQUEST_METHOD", "-")
        fields = {
            "method": method,
            "route": route,
            "status": int(status) if status.isdigit() else None,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
        }
        self.access_log.log(
            logging.INFO,
            "%s %s %s",
            method,
            route or "-",
            status or "-",
            extra={"http": fields, "request_id": rid},
        )
