"""The API's tests: each starts with no calls counted against any client's allowance."""

from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _no_calls_counted() -> None:
    """The throttle counts a client's calls in the cache by the client's id, and ids start again
    in each test's database: without this a test's client inherits an earlier test's calls (the
    throttling test failed after any test that had called the API)."""
    cache.clear()
