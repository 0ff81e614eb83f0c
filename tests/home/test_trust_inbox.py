"""The trust safeguarding officer's notifications: one inbox across every school of their trust
(the badge and the list), each with its school named, never another trust's (issue 20)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

from safeguard.notifications import notify
from schools import services as school_services
from tests.support.world import World, add_sibling


def _notify(school: Any, user: Any, n: int, title: str) -> None:
    for i in range(n):
        notify(school=school, recipients=[user], kind="qa_response", title=f"{title} {i}", link="/")


def _badge(page: str) -> int:
    found = re.search(r'data-testid="unread-badge">(\d+)<', page)
    return int(found[1]) if found else 0


def test_the_tsos_badge_and_list_count_every_school_of_the_trust(client: Any, world: World) -> None:
    add_sibling(world)
    tso = world.users["tso"]
    _notify(world.school, tso, 3, "Alpha news")
    _notify(world.sibling_school, tso, 5, "Gamma news")
    # The same person also works at a school of another trust: never in this inbox.
    school_services.school_membership_grant(user=tso, school=world.other_school, role="staff")
    _notify(world.other_school, tso, 2, "Beta news")
    client.force_login(tso)
    home = client.get(reverse("home")).content.decode()
    assert _badge(home) == 8
    page = client.get(reverse("notification-list")).content.decode()
    assert "You have <strong>8</strong> unread notifications" in page
    assert page.count('data-testid="notification"') == 8
    assert "Gamma School" in page
    assert "Alpha School" in page
    assert "Beta news" not in page


def test_a_school_dsls_badge_is_still_their_school(client: Any, world: World) -> None:
    add_sibling(world)
    dsl = world.users["dsl"]
    school_services.school_membership_grant(user=dsl, school=world.sibling_school, role="dsl")
    _notify(world.school, dsl, 2, "Alpha")
    _notify(world.sibling_school, dsl, 4, "Gamma")
    client.force_login(dsl)
    assert _badge(client.get(reverse("home")).content.decode()) in (2, 4)
