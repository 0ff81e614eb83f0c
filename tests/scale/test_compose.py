"""docker-compose.yml as docs/adr/0038 describes it: only the TLS proxy publishes ports, every
long-running service has a health check, the environment every host needs is required or passed
through."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_only_the_proxy_publishes_ports_and_web_is_reached_through_it() -> None:
    services = compose()["services"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"proxy"}
    assert sorted(services["proxy"]["ports"]) == ["443:443", "443:443/udp", "80:80"]
    assert re.fullmatch(r"caddy:\d+\.\d+\.\d+(-alpine)?", services["proxy"]["image"])
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "{$SITE_URL} {" in caddyfile
    assert "reverse_proxy web:8000" in caddyfile
    assert "\tlog" not in caddyfile  # no access log: queries can hold what was searched for


def test_every_long_running_service_has_a_health_check() -> None:
    services = compose()["services"]
    for name, service in services.items():
        if service.get("restart") == "no":  # the one-off migration
            continue
        assert "test" in service.get("healthcheck", {}), name
    for name in ("web", "worker-alerts", "worker-exports", "scheduler"):
        assert services[name]["healthcheck"]["test"][:4] == ["CMD", "python", "manage.py", "health"]
    assert services["worker-alerts"]["healthcheck"]["test"][4:] == ["worker", "--node", "alerts"]
    assert services["worker-exports"]["healthcheck"]["test"][4:] == ["worker", "--node", "exports"]
    assert services["scheduler"]["healthcheck"]["test"][4:] == ["scheduler"]


def test_every_host_gets_the_shared_settings() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    env = compose()["x-app"]["environment"]
    assert env["SITE_URL"].startswith("${SITE_URL:?")  # compose refuses to start without it
    assert env["CACHE_URL"] == "${CACHE_URL:-redis://cache:6379/0}"
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"  # the cache has a Redis of its own
    for name in (
        "S3_BUCKET",
        "S3_ENDPOINT_URL",
        "S3_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "S3_SERVER_SIDE_ENCRYPTION",
        "S3_KMS_KEY_ID",
    ):
        assert env[name].startswith(f"${{{name}:-"), name
    cache = compose()["services"]["cache"]["command"]
    assert cache[cache.index("--maxmemory-policy") + 1] == "allkeys-lru"
    assert "--maxmemory" in cache
    broker = compose()["services"]["redis"]["command"]
    assert broker[broker.index("--maxmemory-policy") + 1] == "noeviction"
    assert "0.0.0.0:8000" in text  # inside the compose network only: web has no `ports`
