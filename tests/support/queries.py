"""One way to pin a page's database queries (Zulip's `assert_database_query_count`): the exact
count, the page checked to be the one meant, and the same count once there is more to show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


def _queries(client: Any, url: str, marker: str) -> list[str]:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    # A 403 or a 404 has a constant count too: the page must be the one meant, showing its rows.
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert marker in body.decode(), f"{url} does not show {marker!r}"
    return [q["sql"] for q in context.captured_queries]


@pytest.fixture
def assert_constant_queries(client: Any) -> Callable[..., None]:
    """`check(url, grow=..., expected=N, marker=..., marker_after=...)`: the page takes exactly N
    queries, shows `marker`; after `grow()` adds rows it takes N again and shows `marker_after`
    (the new rows). A failure lists the queries."""

    def check(
        url: str,
        *,
        grow: Callable[[], None],
        expected: int,
        marker: str,
        marker_after: str | None = None,
    ) -> None:
        client.get(url)  # once first: a session's first request and cold caches cost more
        before = _queries(client, url, marker)
        assert len(before) == expected, "\n".join([f"{len(before)} queries:", *before])
        grow()
        after = _queries(client, url, marker_after or marker)
        assert len(after) == expected, "\n".join([f"{len(after)} queries:", *after])

    return check
