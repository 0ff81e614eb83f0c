"""My concerns and the triage inbox, paged by keyset (issue 18): every concern once, in the page's
order, forwards and back; the filters kept from page to page; a token altered or not this list's
shows the first page; the page's queries the same however many concerns; only the page's pupils
in the access log; and never another person's concern."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from concerns import services, views
from concerns.models import Concern
from tests.support.concern_lists import concerns_shown, paging_link, submitted
from tests.support.factories import PupilFactory
from tests.support.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two concerns a page, so a few concerns make several pages."""
    monkeypatch.setattr(views, "MINE_PER_PAGE", 2)
    monkeypatch.setattr(views, "INBOX_PER_PAGE", 2)


def _walk(client: Any, url: str, concerns: list[Concern]) -> list[list[Concern]]:
    """Each page's concerns, from `url` by its Next links to the last page (at most ten)."""
    pages: list[list[Concern]] = []
    query: str | None = ""
    while query is not None and len(pages) < 10:
        response = client.get(url + query)
        assert response.status_code == 200
        page = response.content.decode()
        pages.append(concerns_shown(page, concerns))
        query = paging_link(page, "next")
    return pages


def test_my_concerns_page_drafts_first_then_newest_forwards_and_back(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff = world.users["staff"]
    written = [submitted(staff, [world.pupil], categories) for _ in range(4)]
    started = services.concern_start(actor=staff, school=world.school)
    client.force_login(staff)
    mine = reverse("concern-mine")
    newest_first = [started, *reversed(written)]
    pages = _walk(client, mine, newest_first)
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    # From the last page back to the first: the same pages, and the first has no Previous.
    last = client.get(mine + paging_link(client.get(mine).content.decode(), "next"))
    last = client.get(mine + paging_link(last.content.decode(), "next")).content.decode()
    assert paging_link(last, "next") is None
    before = client.get(mine + paging_link(last, "prev")).content.decode()
    assert concerns_shown(before, newest_first) == newest_first[2:4]
    first = client.get(mine + paging_link(before, "prev")).content.decode()
    assert concerns_shown(first, newest_first) == newest_first[0:2]
    assert paging_link(first, "prev") is None
    assert paging_link(first, "next")
    assert "Older concerns" in first
    assert "Newer concerns" in before


def test_my_concerns_log_only_the_pupils_of_the_page_shown(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff = world.users["staff"]
    pupils = [PupilFactory(school=world.school) for _ in range(3)]
    written = [submitted(staff, [pupil], categories) for pupil in pupils]  # newest: the last
    client.force_login(staff)
    first = client.get(reverse("concern-mine")).content.decode()
    logged = AccessLog.objects.filter(what="my_concerns", user=staff)
    assert sorted(logged.values_list("pupil_id", flat=True)) == sorted([pupils[2].pk, pupils[1].pk])
    seen = set(logged.values_list("pk", flat=True))  # the log is append-only
    second = client.get(reverse("concern-mine") + paging_link(first, "next")).content.decode()
    assert concerns_shown(second, written) == [written[0]]
    assert list(logged.exclude(pk__in=seen).values_list("pupil_id", flat=True)) == [pupils[0].pk]


@pytest.mark.parametrize("token", ["2", "garbage", "x" * 3000, "%00", "a:b:c"])
def test_my_concerns_with_a_token_it_did_not_give_show_the_first_page(
    client: Any, world: World, categories: Any, small_pages: None, token: str
) -> None:
    staff = world.users["staff"]
    written = [submitted(staff, [world.pupil], categories) for _ in range(3)]
    client.force_login(staff)
    response = client.get(reverse("concern-mine"), {"page": token})
    assert response.status_code == 200
    assert concerns_shown(response.content.decode(), written) == [written[2], written[1]]


def test_a_token_altered_or_from_another_list_shows_the_first_page(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff = world.users["staff"]
    written = [submitted(staff, [world.pupil], categories) for _ in range(3)]
    client.force_login(staff)
    mine = reverse("concern-mine")
    token = unquote(paging_link(client.get(mine).content.decode(), "next").removeprefix("?page="))
    body, _, signature = token.rpartition(":")
    altered = body[:-3] + ("AAA" if body[-3:] != "AAA" else "BBB") + ":" + signature
    for forged in (altered, token[:-1]):
        page = client.get(mine, {"page": forged}).content.decode()
        assert concerns_shown(page, written) == [written[2], written[1]]
    assert concerns_shown(client.get(mine, {"page": token}).content.decode(), written) == [
        written[0]
    ]
    # The inbox's token is a position in the inbox, not in My concerns.
    client.force_login(world.users["dsl"])
    inbox_token = paging_link(client.get(reverse("triage-inbox")).content.decode(), "next")
    client.force_login(staff)
    page = client.get(mine + inbox_token).content.decode()
    assert concerns_shown(page, written) == [written[2], written[1]]


def test_a_token_from_another_persons_list_shows_only_ones_own_concerns(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    """A token is a position: in someone else's hands it is a place in their own list."""
    staff, dsl = world.users["staff"], world.users["dsl"]
    own = [submitted(staff, [world.pupil], categories) for _ in range(2)]
    theirs = [submitted(dsl, [world.pupil], categories) for _ in range(3)]
    client.force_login(dsl)
    token = paging_link(client.get(reverse("concern-mine")).content.decode(), "next")
    client.force_login(staff)
    page = client.get(reverse("concern-mine") + token).content.decode()
    assert not concerns_shown(page, theirs)
    assert all(c.reference not in page for c in theirs)
    assert set(concerns_shown(page, own)) <= set(own)


def test_my_concerns_queries_are_the_same_on_every_page_and_with_more_concerns(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff = world.users["staff"]
    for _ in range(5):
        submitted(staff, [world.pupil, PupilFactory(school=world.school)], categories)
    client.force_login(staff)
    mine = reverse("concern-mine")
    client.get(mine)

    def counted(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return len(queries.captured_queries), page

    first, page = counted(mine)
    second, page = counted(mine + paging_link(page, "next"))
    third, _ = counted(mine + paging_link(page, "next"))
    for _ in range(6):
        submitted(staff, [world.pupil, PupilFactory(school=world.school)], categories)
    again, page = counted(mine)
    later, _ = counted(mine + paging_link(page, "next"))
    assert first == second == third == again == later


def test_the_inbox_pages_in_its_order_forwards_and_back(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff, dsl = world.users["staff"], world.users["dsl"]
    calm = [submitted(staff, [world.pupil], categories) for _ in range(2)]
    urgent = submitted(staff, [world.pupil], categories, danger=True)
    opened = [submitted(staff, [world.pupil], categories) for _ in range(2)]
    for concern in opened:
        services.concern_open(actor=dsl, concern=concern)
    everything = [urgent, calm[1], calm[0], opened[1], opened[0]]
    client.force_login(dsl)
    inbox = reverse("triage-inbox")
    pages = _walk(client, inbox, everything)
    assert pages == [everything[0:2], everything[2:4], everything[4:5]]
    page = client.get(inbox).content.decode()
    assert "5 concerns" in page  # the count of them all, on every page
    second = client.get(inbox + paging_link(page, "next")).content.decode()
    assert "5 concerns" in second
    assert (
        concerns_shown(client.get(inbox + paging_link(second, "prev")).content.decode(), everything)
        == (everything[0:2])
    )


def test_the_inbox_keeps_its_filters_from_page_to_page(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff, dsl = world.users["staff"], world.users["dsl"]
    zebedee = PupilFactory(school=world.school, legal_last_name="Zebedee")
    about_him = [submitted(staff, [zebedee], categories) for _ in range(3)]
    others = [submitted(staff, [world.pupil], categories) for _ in range(3)]
    client.force_login(dsl)
    response = client.post(reverse("triage-inbox"), {"pupil": "zebedee", "status": "received"})
    url = response["Location"]
    assert "zebedee" not in url.lower()
    first = client.get(url).content.decode()
    assert "3 concerns" in first
    assert concerns_shown(first, about_him + others) == [about_him[2], about_him[1]]
    following = paging_link(first, "next")
    assert following
    assert "status=received" in following
    assert "pupil=t-" in following
    second = client.get(reverse("triage-inbox") + following).content.decode()
    assert concerns_shown(second, about_him + others) == [about_him[0]]
    assert "3 concerns" in second
    assert 'value="zebedee"' in second  # the search box still says what was searched for
    assert paging_link(second, "next") is None
    back = client.get(reverse("triage-inbox") + paging_link(second, "prev")).content.decode()
    assert concerns_shown(back, about_him + others) == [about_him[2], about_him[1]]


def test_the_inbox_with_a_token_it_did_not_give_shows_its_first_page(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff = world.users["staff"]
    written = [submitted(staff, [world.pupil], categories) for _ in range(3)]
    client.force_login(world.users["dsl"])
    for token in ("3", "garbage", "a:b:c", "é" * 10):
        response = client.get(reverse("triage-inbox"), {"page": token, "status": "received"})
        assert response.status_code == 200
        assert concerns_shown(response.content.decode(), written) == [written[2], written[1]]


def test_the_inbox_queries_are_the_same_on_every_page_and_with_more_concerns(
    client: Any, world: World, categories: Any, small_pages: None
) -> None:
    staff = world.users["staff"]
    for _ in range(5):
        submitted(staff, [world.pupil, PupilFactory(school=world.school)], categories)
    client.force_login(world.users["dsl"])
    inbox = reverse("triage-inbox")
    client.get(inbox)

    def counted(url: str) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return len(queries.captured_queries), page

    first, page = counted(inbox)
    second, page = counted(inbox + paging_link(page, "next"))
    third, _ = counted(inbox + paging_link(page, "next"))
    for _ in range(6):
        submitted(staff, [world.pupil, PupilFactory(school=world.school)], categories)
    again, page = counted(inbox)
    later, _ = counted(inbox + paging_link(page, "next"))
    assert first == second == third == again == later
