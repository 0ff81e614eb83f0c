"""With CACHE_URL every process shares one cache (docs/adr/0038): what one process keeps, another
reads; the two caches do not see each other's keys; every key has a lifetime."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.processes import RedisServer

ROOT = Path(__file__).resolve().parents[2]

WRITE = """
from django.core.cache import caches
from oversight.dashboards.figures import PupilGroupCounts
caches["figures"].set("school-1", {"fsm": PupilGroupCounts(on_roll=30, with_concerns=4, concerns=7)})
caches["default"].set("school-1", "default's own")
caches["default"].set("named", True, 60)
"""
READ = """
from django.core.cache import caches
print(repr(caches["figures"].get("school-1")))
print(repr(caches["default"].get("school-1")), repr(caches["default"].get("named")))
"""


@pytest.fixture
def cache_redis() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.stop()


def run(code: str, server: RedisServer) -> str:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "safeguard.settings.test",
        "DATABASE_URL": "sqlite://",
        "CACHE_URL": f"redis://127.0.0.1:{server.port}/2",
    }
    done = subprocess.run(  # noqa: S603  (our own code, fixed here)
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_what_one_process_keeps_another_reads(cache_redis: RedisServer) -> None:
    run(WRITE, cache_redis)
    figures, default = run(READ, cache_redis).splitlines()[-2:]
    assert figures == "{'fsm': PupilGroupCounts(on_roll=30, with_concerns=4, concerns=7)}"
    assert default == '"default\'s own" True'

    keys = redis.Redis(port=cache_redis.port, db=2)
    names = sorted(k.decode() for k in keys.keys("*"))
    assert names == [
        "safeguard:default:1:named",
        "safeguard:default:1:school-1",
        "safeguard:figures:1:school-1",
    ]
    lifetimes = {name: keys.ttl(name) for name in names}
    assert 0 < lifetimes["safeguard:default:1:named"] <= 60
    assert 0 < lifetimes["safeguard:default:1:school-1"] <= 5 * 60  # the default's default
    assert 5 * 60 < lifetimes["safeguard:figures:1:school-1"] <= 24 * 60 * 60

    # What each test begins with (tests/conftest.py): nothing, whichever cache is cleared.
    run("from django.core.cache import caches\nfor c in caches.all(): c.clear()", cache_redis)
    assert run(READ, cache_redis).splitlines()[-2:] == ["None", "None None"]


def test_without_cache_url_each_process_keeps_its_own() -> None:
    from django.conf import settings

    if os.environ.get("CACHE_URL"):
        pytest.skip("this run shares a cache")
    assert settings.CACHES["figures"]["BACKEND"].endswith("LocMemCache")
    assert settings.CACHES["figures"]["OPTIONS"]["MAX_ENTRIES"] == 20_000
