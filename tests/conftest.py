"""Shared fixtures; what they build is in `tests/support/` (the world, factories, query pins)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from tests.support.auth import force_login_with_second_factor
from tests.support.queries import assert_constant_queries  # noqa: F401  (a fixture for every test)
from tests.support.world import Records, World, make_records, make_world


@pytest.fixture(autouse=True)
def _force_login_passes_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(user)` signs in as a person does: password and second factor
    (tests/support/auth.py)."""
    monkeypatch.setattr(Client, "force_login", force_login_with_second_factor)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with nothing cached. Ids start again in each test's database, so a key
    made of ids (a client's calls counted by the API's throttle, a sum of dashboard tallies)
    would otherwise find an earlier test's value."""
    from django.core.cache import caches

    for each in caches.all():
        each.clear()


@pytest.fixture
def empty_queue() -> Iterator[None]:
    """For tests that start a real Celery worker: one at a time across the test processes (two
    in-process workers started at the same moment in two xdist workers took no tasks at all), and
    each begins with its broker queue empty (tasks other tests queued after commit, with no worker
    to run them, would otherwise run first)."""
    import fcntl
    import tempfile
    from pathlib import Path

    from safeguard.celery import app

    with open(Path(tempfile.gettempdir()) / "safeguard-real-celery-worker.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            app.control.purge()
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def world(db) -> World:
    """School A (trust 1) with every role and its TSO; school B (trust 2) with its own DSL."""
    return make_world()


@pytest.fixture
def records(world: World) -> dict[str, Records]:
    """School A's records (written by its staff member) and school B's (by B's DSL)."""
    return make_records(world)


@pytest.fixture(scope="session", autouse=True)
def _s3_bucket() -> None:
    """With SAFEGUARD_TEST_S3=1 every file goes to moto's S3 server: this test worker's bucket
    is made (and emptied) once."""
    from django.conf import settings

    if settings.STORAGES["default"]["BACKEND"] == "safeguard.s3.PrivateS3Storage":
        from tests.support.s3 import bucket_ready

        bucket_ready(settings.TEST_S3_BUCKET)
