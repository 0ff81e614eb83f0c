"""A restricted concern's words reach only the DSL and the people named on it (docs/architecture.md
section 4, docs/adr/0032): every page a person can open is read for them.

The restricted concern (tests/support/records/restricted.py) carries a word in each of its texts:
Part 1, an addendum, Part 2, two actions (one the deputy did, one the staff member owns), a
referral, a risk assessment and a chronology correction. It is restricted to the headteacher, so
the deputy, the trust safeguarding officer, the staff member who owns an action, the
administrator and the governor must find none of the words on any page; the DSL and the
headteacher find them (otherwise the crawl could not fail).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from concerns import services
from concerns.models import Action
from concerns.selectors import action_list_for
from oversight.dashboards.drilldown.links import Show
from tests.support.records.restricted import Restricted, restricted_concern, words_in
from tests.support.routes import ROUTES
from tests.support.world import Records, World, make_records

NOT_NAMED = ["deputy", "tso", "staff", "admin", "governor"]


@pytest.fixture
def restricted(world: World, categories) -> Restricted:
    return restricted_concern(world, categories)


def _urls(world: World, records: dict[str, Records], restricted: Restricted) -> list[str]:
    """Every page a GET opens: each route with school A's sample record, the restricted concern's
    own pages, every list behind the dashboards, and the searches."""
    urls = []
    for name, route in ROUTES.items():
        if route.method != "get" or route.public is not None:
            continue
        urls.append(
            reverse(name, kwargs=route.kwargs(world, records, "own") if route.kwargs else None)
        )
    concern = restricted.concern
    for name in ("concern-detail", "dsl-record", "risk-assessment-add", "concern-referral-add"):
        urls.append(reverse(name, kwargs={"pk": concern.pk}))
    for assessment in concern.risk_assessments.all():
        urls.append(reverse("risk-assessment-detail", kwargs={"pk": assessment.pk}))
    for referral in concern.referrals.all():
        urls.append(reverse("referral-detail", kwargs={"pk": referral.pk}))
    drilldown = reverse("trust-drilldown", kwargs={"school_id": world.school.pk})
    urls += [f"{drilldown}?show={show.value}" for show in Show]
    urls += [f"{drilldown}?show={show.value}&csv=1" for show in Show]
    chronology = reverse("pupil-chronology", kwargs={"pk": world.pupil.pk})
    urls += [f"{chronology}?query=Quokkacorrection", f"{chronology}?query=Quokkaaddendum"]
    inbox = reverse("triage-inbox")
    urls += [f"{inbox}?pupil={world.pupil.legal_first_name}", f"{inbox}?status=actioned"]
    return urls


def _words_seen(client: Client, urls: list[str]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or response.get("Content-Type", "").startswith(
            "application/pdf"
        ):
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        found = words_in(body.decode(errors="replace"))
        if found:
            seen[url] = found
    return seen


@pytest.fixture
def crawl(client: Client, world: World, restricted: Restricted) -> Any:
    urls = _urls(world, make_records(world), restricted)

    def run(role: str) -> dict[str, list[str]]:
        client.force_login(world.users[role])
        return _words_seen(client, urls)

    return run


def test_no_page_shows_a_restricted_concerns_words_to_who_is_not_named(crawl) -> None:
    assert {role: crawl(role) for role in NOT_NAMED} == {role: {} for role in NOT_NAMED}


def test_the_dsl_and_the_people_named_read_every_word(crawl, world: World, restricted) -> None:
    expected = {"account", "addendum", "part2", "action", "done", "referral", "risk"}
    for role in ("dsl", "head"):
        seen = {word for words in crawl(role).values() for word in words}
        assert expected <= seen, (role, expected - seen)
    # Named too, the trust safeguarding officer reads the actions in the dashboard's lists.
    services.concern_unrestrict(actor=world.users["dsl"], concern=restricted.concern)
    services.concern_restrict(
        actor=world.users["dsl"],
        concern=restricted.concern,
        named=[world.users["head"], world.users["tso"]],
    )
    drilldowns = [url for url, words in crawl("tso").items() if "action" in words]
    assert any("show=actions-open" in url for url in drilldowns), drilldowns


def _due(restricted: Restricted) -> datetime.date:
    return restricted.concern.written_at.date() + datetime.timedelta(days=3)


@pytest.mark.parametrize("role", ["deputy", "staff"])
def test_an_action_on_a_restricted_concern_is_given_only_to_who_may_read_it(
    world: World, restricted: Restricted, role: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        services.action_assign(
            actor=world.users["dsl"],
            concern=restricted.concern,
            description="Another",
            owner=world.users[role],
            due_on=_due(restricted),
        )
    assert refused.value.message_dict == {
        "owner": ["Choose the DSL or someone named on this restricted concern"]
    }


def test_the_person_named_can_be_given_an_action(world: World, restricted: Restricted) -> None:
    action = services.action_assign(
        actor=world.users["dsl"],
        concern=restricted.concern,
        description="For the head",
        owner=world.users["head"],
        due_on=_due(restricted),
    )
    assert action_list_for(actor=world.users["head"], school=world.school).get() == action


def test_an_owner_who_may_no_longer_read_it_cannot_complete_it(
    client: Client, world: World, restricted: Restricted
) -> None:
    action = restricted.staff_action
    client.force_login(world.users["staff"])
    response = client.post(reverse("action-done", kwargs={"pk": action.pk}), {"done_note": "x"})
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        services.action_complete(actor=world.users["staff"], action=action, note="Done")
    with pytest.raises(PermissionDenied):
        services.action_complete(actor=world.users["deputy"], action=action, note="Done")
    action.refresh_from_db()
    assert action.done_at is None
    # The DSL does it instead, and the concern's page told them the owner no longer sees it.
    client.force_login(world.users["dsl"])
    page = client.get(reverse("concern-detail", kwargs={"pk": restricted.concern.pk}))
    assert page.content.decode().count("No longer sees this restricted concern") == 2
    services.action_complete(actor=world.users["dsl"], action=action, note="Done by the DSL")


def test_no_reminder_of_an_action_its_owner_may_no_longer_read(
    world: World, restricted: Restricted
) -> None:
    from reminders.services import People, actions_due

    Action.objects.filter(pk=restricted.staff_action.pk).update(
        due_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    due = [
        d for d in actions_due(timezone.now(), People()) if str(restricted.staff_action.pk) in d.key
    ]
    assert len(due) == 1
    assert due[0].recipient_ids == {world.users["dsl"].pk}
