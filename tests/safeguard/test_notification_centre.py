"""The notification centre: a person's own notifications, read, opened, and counted in the header."""

from __future__ import annotations

import datetime
import html
import re
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from safeguard.models import Notification
from safeguard.notifications import notification_safe_link, notify
from schools import services as school_services
from tests.support.factories import member
from tests.support.world import World

LIST = "/notifications/"


def _notify(world: World, who: str = "dsl", school: Any = None, **fields: Any) -> Notification:
    defaults: dict[str, Any] = {"kind": "reminder", "title": "A reminder", "link": "/actions/"}
    (n,) = notify(
        school=school or world.school, recipients=[world.users[who]], **(defaults | fields)
    )
    return n


def _text(response: Any) -> str:
    """What a person reads: tags removed, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def _titles(response: Any) -> list[str]:
    return [
        html.unescape(t).strip()
        for t in re.findall(
            r'data-testid="notification-open">(.*?)</button>', response.content.decode()
        )
    ]


def _two_school_deputy(world: World) -> Any:
    """A deputy DSL of both school A and school B."""
    user = member(world.school, "deputy", email="both@alpha.example")
    school_services.school_membership_grant(user=user, school=world.other_school, role="deputy")
    world.users["both"] = user
    return user


def test_the_list_shows_only_my_notifications_newest_first_unread_and_urgent_marked(
    client, world: World
) -> None:
    old = _notify(world, title="Older one")
    Notification.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=2),
        read_at=timezone.now() - datetime.timedelta(hours=1),
    )
    _notify(world, title="Newer and urgent", urgent=True)
    _notify(world, who="deputy", title="The deputy's own")
    _notify(world, who="other_dsl", school=world.other_school, title="Beta's")
    client.force_login(world.users["dsl"])
    response = client.get(reverse("notification-list"))
    assert response.status_code == 200
    assert _titles(response) == ["Newer and urgent", "Older one"]
    page = response.content.decode()
    items = page.split('data-testid="notification"')[1:]
    assert 'data-testid="notification-urgent"' in items[0]
    assert 'data-testid="notification-unread"' in items[0]
    assert 'data-testid="notification-mark-read"' in items[0]
    assert 'data-testid="notification-urgent"' not in items[1]
    assert 'data-testid="notification-unread"' not in items[1]
    assert 'data-testid="notification-mark-read"' not in items[1]
    assert "You have 1 unread notification in Alpha School." in _text(response)


def test_the_list_is_of_the_acting_school_unless_all_schools_are_asked_for(
    client, world: World
) -> None:
    user = _two_school_deputy(world)
    _notify(world, who="both", title="In Alpha")
    _notify(world, who="both", school=world.other_school, title="In Beta")
    client.force_login(user)
    response = client.get(reverse("notification-list"))
    assert _titles(response) == ["In Alpha"]
    assert 'data-testid="notifications-all"' in response.content.decode()
    everything = client.get(reverse("notification-list") + "?all=1")
    assert _titles(everything) == ["In Beta", "In Alpha"]
    assert "Beta School" in _text(everything)
    client.post(reverse("school-switch"), {"school": world.other_school.slug})
    assert _titles(client.get(reverse("notification-list"))) == ["In Beta"]


def test_a_school_the_person_has_left_no_longer_shows_its_notifications(
    client, world: World
) -> None:
    from schools.models import SchoolMembership

    user = _two_school_deputy(world)
    _notify(world, who="both", title="In Alpha")
    n = _notify(world, who="both", school=world.other_school, title="In Beta")
    school_services.school_membership_revoke(
        membership=SchoolMembership.objects.get(user=user, school=world.other_school)
    )
    client.force_login(user)
    assert _titles(client.get(reverse("notification-list") + "?all=1")) == ["In Alpha"]
    assert client.post(reverse("notification-open", kwargs={"pk": n.pk})).status_code == 404


def test_the_list_is_paginated(client, world: World) -> None:
    for i in range(30):
        _notify(world, title=f"Reminder {i:02d}")
    client.force_login(world.users["dsl"])
    first = client.get(reverse("notification-list"))
    assert len(_titles(first)) == 25
    assert _titles(first)[0] == "Reminder 29"
    second = client.get(reverse("notification-list") + "?page=2")
    assert _titles(second) == [f"Reminder {i:02d}" for i in range(4, -1, -1)]


def test_mark_as_read_marks_only_that_one_and_goes_back_to_the_list(client, world: World) -> None:
    one, two = _notify(world, title="One"), _notify(world, title="Two")
    client.force_login(world.users["dsl"])
    response = client.post(reverse("notification-read", kwargs={"pk": one.pk}))
    assert response.status_code == 302
    assert response["Location"] == LIST
    one.refresh_from_db()
    two.refresh_from_db()
    assert one.read_at is not None
    assert two.read_at is None
    first_read = one.read_at
    client.post(reverse("notification-read", kwargs={"pk": one.pk}))
    one.refresh_from_db()
    assert one.read_at == first_read  # reading it again keeps when it was first read


def test_reading_is_by_post_only(client, world: World) -> None:
    n = _notify(world)
    client.force_login(world.users["dsl"])
    for name in ("notification-read", "notification-open"):
        assert client.get(reverse(name, kwargs={"pk": n.pk})).status_code == 405
    assert client.get(reverse("notification-read-all")).status_code == 405
    n.refresh_from_db()
    assert n.read_at is None


@pytest.mark.parametrize("name", ["notification-read", "notification-open"])
def test_someone_elses_notification_and_a_missing_one_are_the_same_404(
    client, world: World, name: str
) -> None:
    deputys = _notify(world, who="deputy")
    betas = _notify(world, who="other_dsl", school=world.other_school)
    client.force_login(world.users["dsl"])
    for pk in (deputys.pk, betas.pk, uuid.uuid4()):
        assert client.post(reverse(name, kwargs={"pk": pk})).status_code == 404
    assert Notification.objects.filter(read_at__isnull=False).count() == 0


def test_mark_all_as_read_marks_mine_in_the_acting_school_only(client, world: World) -> None:
    user = _two_school_deputy(world)
    alpha = [_notify(world, who="both", title=f"A{i}") for i in range(3)]
    beta = _notify(world, who="both", school=world.other_school, title="B")
    someone_elses = _notify(world, who="dsl")
    client.force_login(user)
    response = client.post(reverse("notification-read-all"), follow=True)
    assert "3 notifications marked as read." in _text(response)
    assert all(Notification.objects.get(pk=n.pk).read_at for n in alpha)
    assert Notification.objects.get(pk=beta.pk).read_at is None
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None
    response = client.post(reverse("notification-read-all"), {"all": "1"})
    assert response["Location"] == LIST + "?all=1"
    assert Notification.objects.get(pk=beta.pk).read_at is not None
    assert Notification.objects.get(pk=someone_elses.pk).read_at is None


def test_opening_marks_read_and_goes_to_the_page_it_is_about(client, world: World) -> None:
    n = _notify(world, link="/actions/?from=notification")
    client.force_login(world.users["dsl"])
    response = client.post(reverse("notification-open", kwargs={"pk": n.pk}))
    assert response.status_code == 302
    assert response["Location"] == "/actions/?from=notification"
    n.refresh_from_db()
    assert n.read_at is not None


HOSTILE_LINKS = [
    "https://evil.example",
    "https://evil.example/actions/",
    "//evil.example/actions/",
    "/\\evil.example/actions/",
    "\\\\evil.example/actions/",
    "/\\/evil.example",
    "javascript:alert(1)",
    "evil.example/actions/",
    " https://evil.example",
    "/actions/\r\nLocation: https://evil.example",
    "/no-such-page-here/",
    "",
]


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_a_hostile_link_never_leaves_the_site(client, world: World, link: str) -> None:
    n = _notify(world)
    Notification.objects.filter(pk=n.pk).update(link=link)  # as if written by a careless caller
    client.force_login(world.users["dsl"])
    response = client.post(reverse("notification-open", kwargs={"pk": n.pk}))
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert "That notification's link cannot be opened." in _text(client.get(LIST))
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize("link", HOSTILE_LINKS)
def test_safe_link_refuses_every_hostile_link(link: str) -> None:
    assert notification_safe_link(link) is None


def test_safe_link_keeps_a_page_of_ours_with_its_query() -> None:
    assert notification_safe_link("/triage/?status=new") == "/triage/?status=new"


def _badge(response: Any) -> str | None:
    found = re.search(r'data-testid="unread-badge">(\d+)<', response.content.decode())
    return found.group(1) if found else None


@pytest.mark.parametrize("role", ["staff", "dsl", "head", "governor"])
def test_the_header_badge_counts_my_unread_notifications_in_the_acting_school(
    client, world: World, role: str
) -> None:
    client.force_login(world.users[role])
    assert _badge(client.get(reverse("home"))) is None
    mine = [_notify(world, who=role) for _ in range(3)]
    _notify(world, who="deputy")  # someone else's
    Notification.objects.filter(pk=mine[0].pk).update(read_at=timezone.now())
    page = client.get(reverse("home"))
    assert _badge(page) == "2"
    assert 'href="/notifications/"' in page.content.decode()
    client.post(reverse("notification-read-all"))
    assert _badge(client.get(reverse("home"))) is None


def test_the_badge_leaves_out_other_schools(client, world: World) -> None:
    user = _two_school_deputy(world)
    _notify(world, who="both")
    _notify(world, who="both", school=world.other_school)
    _notify(world, who="both", school=world.other_school)
    client.force_login(user)
    assert _badge(client.get(reverse("home"))) == "1"
    client.post(reverse("school-switch"), {"school": world.other_school.slug})
    assert _badge(client.get(reverse("home"))) == "2"


def _notification_queries(captured: list[dict[str, Any]]) -> list[str]:
    return [q["sql"] for q in captured if "safeguard_notification" in q["sql"]]


def test_the_badge_costs_one_query_and_shares_the_triage_query_for_a_dsl(
    client, world: World, django_assert_max_num_queries
) -> None:
    for role in ("staff", "dsl"):
        _notify(world, who=role)
        client.force_login(world.users[role])
        client.get(reverse("who-to-call"))
        with django_assert_max_num_queries(40) as page:
            assert client.get(reverse("who-to-call")).status_code == 200
        badge = _notification_queries(page.captured_queries)
        assert len(badge) == 1, badge
        if role == "dsl":
            assert "concerns_concern" in badge[0]  # the triage badge's query


def test_the_list_page_costs_the_same_queries_for_1_and_for_30_notifications(
    client, world: World, django_assert_max_num_queries
) -> None:
    user = _two_school_deputy(world)
    _notify(world, who="both")
    client.force_login(user)
    client.post(reverse("school-switch"), {"school": world.school.slug})
    url = reverse("notification-list")
    for query in ("", "?all=1"):
        client.get(url + query)  # warm the content-type cache
        with django_assert_max_num_queries(20) as few:
            assert len(_titles(client.get(url + query))) == 1
        counted = len(few.captured_queries)
        more = [
            _notify(world, who="both", school=world.school if i % 2 else world.other_school)
            for i in range(29)
        ]
        with django_assert_max_num_queries(counted):
            response = client.get(url + query)
        assert len(_titles(response)) == (25 if query else 15)
        Notification.objects.filter(pk__in=[n.pk for n in more]).delete()
