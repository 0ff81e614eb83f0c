"""A notification about a concern that was restricted afterwards: its link leads to a page that
says so and who to speak to, never to "Page not found" and never to the concern (issue 20,
docs/adr/0032 unchanged)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from concerns import services as concern_services
from safeguard.models import Notification
from tests.concerns.conftest import draft
from tests.support.world import World

ACCOUNT = "Sam said the uncle's car was outside again"


def _danger_then_restricted(world: World, categories: Any) -> tuple[Any, Notification]:
    staff = world.users["staff"]
    concern = concern_services.concern_submit(
        actor=staff, concern=draft(staff, [world.pupil], categories, danger=True, account=ACCOUNT)
    )
    notification = Notification.objects.get(
        kind="immediate_danger", recipient=world.users["deputy"]
    )
    concern_services.concern_restrict(
        actor=world.users["dsl"], concern=concern, named=[world.users["head"]]
    )
    return concern, notification


def test_the_deputys_link_says_the_concern_is_restricted_and_who_to_ask(
    client: Any, world: World, categories: Any
) -> None:
    concern, notification = _danger_then_restricted(world, categories)
    client.force_login(world.users["deputy"])
    response = client.post(reverse("notification-open", kwargs={"pk": notification.pk}))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "notification-restricted", kwargs={"pk": notification.pk}
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "This concern has been restricted" in text
    assert "Page not found" not in text
    assert world.users["dsl"].full_name in text  # who to speak to
    assert ACCOUNT not in text
    assert world.pupil.legal_last_name not in text
    # The concern itself stays the same 404 as ever (ADR 0032).
    assert client.get(reverse("concern-detail", kwargs={"pk": concern.pk})).status_code == 404


def test_the_notification_list_marks_it_restricted(
    client: Any, world: World, categories: Any
) -> None:
    _danger_then_restricted(world, categories)
    client.force_login(world.users["deputy"])
    page = client.get(reverse("notification-list")).content.decode()
    assert 'data-testid="notification-restricted"' in page
    # The DSL, who still reads it, sees no such mark.
    client.force_login(world.users["dsl"])
    page = client.get(reverse("notification-list")).content.decode()
    assert 'data-testid="notification-restricted"' not in page


def test_the_page_is_only_for_a_restricted_record_and_only_the_recipient(
    client: Any, world: World, categories: Any
) -> None:
    _, notification = _danger_then_restricted(world, categories)
    url = reverse("notification-restricted", kwargs={"pk": notification.pk})
    client.force_login(world.users["dsl"])  # not the recipient
    assert client.get(url).status_code == 404
    dsl_note = Notification.objects.get(kind="immediate_danger", recipient=world.users["dsl"])
    # The DSL may still read the concern: the page sends them to it.
    response = client.get(reverse("notification-restricted", kwargs={"pk": dsl_note.pk}))
    assert response.status_code == 302
    assert response["Location"] == dsl_note.link
