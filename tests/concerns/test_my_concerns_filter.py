"""My concerns: current concerns first, a filter by status, a page at a time (issue 20)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from concerns.models import Concern, ConcernStatus
from tests.support.concern_lists import concerns_shown, paging_link, submitted
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
    still_open = [submitted(staff, [world.pupil], categories) for _ in range(2)]
    closed = [_close(submitted(staff, [world.pupil], categories)) for _ in range(3)]
    return still_open, closed


def test_open_concerns_come_first_then_the_closed_ones(
    client: Any, world: World, categories: Any
) -> None:
    still_open, closed = _mine(world, categories)
    client.force_login(world.users["staff"])
    page = client.get(reverse("concern-mine")).content.decode()
    assert concerns_shown(page, still_open + closed) == [*still_open[::-1], *closed[::-1]]


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
    assert concerns_shown(page, still_open + closed) == expected
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
    following = paging_link(first, "next")
    assert following is not None
    assert "status=closed" in following
    second = client.get(mine + following).content.decode()
    assert concerns_shown(second, still_open + closed) == [closed[0]]
    # A token of the closed list is not a position in the open list.
    other = client.get(mine + following.replace("status=closed", "status=open")).content
    assert concerns_shown(other.decode(), still_open + closed) == still_open[::-1]


def test_an_unknown_status_shows_everything_open_first(
    client: Any, world: World, categories: Any
) -> None:
    still_open, closed = _mine(world, categories)
    client.force_login(world.users["staff"])
    page = client.get(reverse("concern-mine"), {"status": "<b>x</b>"}).content.decode()
    assert concerns_shown(page, still_open + closed) == [*still_open[::-1], *closed[::-1]]
    assert "<b>x</b>" not in page


@pytest.mark.parametrize("status", ["", "open", "closed"])
def test_my_concerns_takes_a_fixed_number_of_queries(
    client: Any, world: World, categories: Any, assert_constant_queries: Any, status: str
) -> None:
    """The same queries however many concerns, counted only on the page meant: it answers 200
    and lists the concerns the filter keeps (a 403 or a 404 takes a constant count too)."""
    still_open, closed = _mine(world, categories)
    client.force_login(world.users["staff"])
    url = reverse("concern-mine") + (f"?status={status}" if status else "")
    later: list[Concern] = []

    def grow() -> None:
        for _ in range(2):
            more_open, more_closed = _mine(world, categories)
            later.extend(
                {"open": more_open, "closed": more_closed}.get(status, more_open + more_closed)
            )

    kept = {"open": still_open, "closed": closed}.get(status, still_open + closed)
    assert_constant_queries(
        url,
        grow=grow,
        expected=MY_CONCERNS_QUERIES,
        marker=reverse("concern-detail", kwargs={"pk": kept[0].pk}),
    )
    page = client.get(url).content.decode()
    assert set(concerns_shown(page, kept + later)) == set(kept + later)


# Sign-in and the second factor, permissions, the acting school and the header's badges; then
# the page of concerns (one query, keyset), their pupils (prefetch) and the access log's insert.
MY_CONCERNS_QUERIES = 15
