"""My actions (issue 18): read a page at a time in the database, open ones first, in a fixed
number of queries however many a person has had; an action on a restricted concern the person
may not read is neither listed nor counted."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from concerns import services
from concerns.models import Action, Concern
from tests.concerns.conftest import draft
from tests.support.world import World

pytestmark = pytest.mark.django_db

# Session, user and the second factor's device 3, the request's and the session's savepoints 4
# and the session's update 1, permissions 1, the acting school 1 and the header's badges 1; then
# the page's own: the actions counted 1 and read 1 (with their concern, who set them and who did
# them), their pupils 1 and the access log's rows 1.
MY_ACTIONS_QUERIES = 15


def _concern(world: World, categories: Any) -> Concern:
    staff = world.users["staff"]
    return services.concern_submit(actor=staff, concern=draft(staff, [world.pupil], categories))


def _actions(world: World, concern: Concern, n: int, *, start: int = 0, done: bool = False) -> None:
    """`n` actions for the world's staff member, due on successive days from today."""
    dsl, today = world.users["dsl"], timezone.localdate()
    Action.objects.bulk_create(
        Action(
            school=world.school,
            concern=concern,
            description=f"Task {start + i:03d}",
            owner=world.users["staff"],
            created_by=dsl,
            due_on=today + datetime.timedelta(days=start + i),
            done_at=timezone.now() if done else None,
            done_by=dsl if done else None,
            done_note="Done" if done else "",
        )
        for i in range(n)
    )


def _tasks(page: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-heading-s">(Task \d+)</h2>', page)


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("action-list")).status_code == 200
    return len(ctx.captured_queries)


def test_a_page_at_a_time_open_ones_first_in_fixed_queries(
    client: Any, world: World, categories: Any
) -> None:
    concern = _concern(world, categories)
    _actions(world, concern, 3)
    client.force_login(world.users["staff"])
    client.get(reverse("action-list"))  # the first request after signing in touches the session
    few = _queries(client)
    _actions(world, concern, 40, start=3)
    _actions(world, concern, 20, start=100, done=True)
    assert _queries(client) == few == MY_ACTIONS_QUERIES
    first = client.get(reverse("action-list")).content.decode()
    # The open ones first, by due date; the done ones after them, on the next page.
    assert _tasks(first) == [f"Task {i:03d}" for i in range(43)] + [
        f"Task {i:03d}" for i in range(100, 107)
    ]
    assert 'href="?page=2"' in first
    second = client.get(reverse("action-list") + "?page=2").content.decode()
    assert _tasks(second) == [f"Task {i:03d}" for i in range(107, 120)]
    # Marking one done on the second page comes back to it.
    assert _queries(client) == MY_ACTIONS_QUERIES
    first_form_next = re.search(r'name="next" value="([^"]*)"', first)
    assert first_form_next is not None
    assert first_form_next[1] == "/actions/"
    _actions(world, concern, 60, start=200)  # the second page now has open ones too
    second = client.get(reverse("action-list") + "?page=2").content.decode()
    assert 'name="next" value="/actions/?page=2"' in second


def test_an_action_on_a_restricted_concern_is_not_listed_nor_counted(
    client: Any, world: World, categories: Any
) -> None:
    mine = _concern(world, categories)
    _actions(world, mine, 50)
    hidden = _concern(world, categories)
    _actions(world, hidden, 1, start=500)
    client.force_login(world.users["staff"])
    assert 'href="?page=2"' in client.get(reverse("action-list")).content.decode()
    services.concern_restrict(actor=world.users["dsl"], concern=hidden, named=[])
    page = client.get(reverse("action-list")).content.decode()
    assert "Task 500" not in page
    assert len(_tasks(page)) == 50
    assert 'href="?page=2"' not in page  # 51 actions, one hidden: a single page
