"""My concerns: current concerns first, a filter by status, a page at a time (issue 20)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from concerns.models import Concern, ConcernStatus
from tests.concerns.test_list_paging import _link, _shown, _submitted
from tests.support.world import World

pytestmark = pytest.mark.django_db


def _close(concern: Concern, days_ago: int = 0) -> Concern:
    """Closed by the DSL (the status the DSL's signed record and closing leave behind)."""
    Concern.objects.filter(pk=concern.pk).update(
        status=ConcernStatus.CLOSED, closed_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    concern.refresh_from_db()
    return concern


def _mine(world: World, categories: Any) -> tuple[list[Concern], list[Concern]]:
    """Three closed concerns written after two still open (a year of closed ones on top)."""
    staff = world.users["staff"]
    still_open = [_submitted(staff, [world.pupil], categories) for _ in range(2)]
    closed = [_close(_submitted(staff, [world.pupil], categories)) for _ in range(3)]
    return still_open, closed


def test_open_concerns_come_first_then_the_closed_ones(
    client: Any, world: World, categories: Any
) -> None:
    still_open, closed = _mine(world, categories)
    client.force_login(world.users["staff"])
    page = client.get(reverse("concern-mine")).content.decode()
    assert _shown(page, still_open + closed) == [*still_open[::-1], *closed[::-1]]


@pytest.mark.parametrize(
    ("status", "which"), [("open", "open"), ("closed", "closed"), ("all", "both")]
)
def test_the_status_filter(
    client: Any, world: World, categories: Any, status: str, which: str
) -> None:
    still_open, closed = _mine(world, categories)
    client.force_login(world.users["staff"])
    response = client.get(reverse("concern-mine"), {"status": status})
    assert response.status_code == 200
    page = response.content.decode()
    expected = {"open": still_open[::-1], "closed": closed[::-1]}.get(
        which, [*still_open[::-1], *closed[::-1]]
    )
    assert _shown(page, still_open + closed) == expected
    assert f'value="{status}" checked' in page


def test_a_filter_is_kept_from_page_to_page(
    client: Any, world: World, categories: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concerns import views

    monkeypatch.setattr(views, "MINE_PER_PAGE", 2)
    still_open, closed = _mine(world, categories)
    client.force_login(world.users["staff"])
    mine = reverse("concern-mine")
    first = client.get(mine, {"status": "closed"}).content.decode()
    following = _link(first, "next")
    assert following is not None
    assert "status=closed" in following
    second = client.get(mine + following).content.decode()
    assert _shown(second, still_open + closed) == [closed[0]]
    # A token of the closed list is not a position in the open list.
    other = client.get(mine + following.replace("status=closed", "status=open")).content
    assert _shown(other.decode(), still_open + closed) == still_open[::-1]


def test_an_unknown_status_shows_everything_open_first(
    client: Any, world: World, categories: Any
) -> None:
    still_open, closed = _mine(world, categories)
    client.force_login(world.users["staff"])
    page = client.get(reverse("concern-mine"), {"status": "<b>x</b>"}).content.decode()
    assert _shown(page, still_open + closed) == [*still_open[::-1], *closed[::-1]]
    assert "<b>x</b>" not in page


@pytest.mark.parametrize("status", ["", "open", "closed"])
def test_my_concerns_takes_a_fixed_number_of_queries(
    client: Any, world: World, categories: Any, status: str
) -> None:
    _mine(world, categories)
    client.force_login(world.users["staff"])
    url = reverse("concern-mine") + (f"?status={status}" if status else "")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _mine(world, categories)
    _mine(world, categories)
    with CaptureQueriesContext(connection) as more:
        client.get(url)
    assert len(few.captured_queries) == len(more.captured_queries) == MY_CONCERNS_QUERIES


# Sign-in and the second factor, permissions, the acting school and the header's badges; then
# the page of concerns (one query, keyset), their pupils (prefetch) and the access log's insert.
MY_CONCERNS_QUERIES = 15
