"""Referral pages: making one from a concern, bad input kept and explained, the list, the log."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone

from audit.models import AccessLog
from referrals import services, views
from referrals.models import Referral
from tests.referrals.conftest import FRIDAY_4PM, agency_for, make_referral
from tests.support.referrals import referral_form
from tests.support.world import World

# The referral list: the session and the person, their roles, the acting school, the header's
# badges, the page of referrals (with their pupils; no count of them all), the figures (counts by
# state, the count listed and by agency and outcome, one query), the agencies of the filter, and
# the access-log rows for the pupils listed (one insert, issue 16).
REFERRAL_LIST_QUERIES = 18

pytestmark = pytest.mark.django_db


def test_dsl_records_a_phone_referral_from_a_concern(
    client: Any, world: World, records: dict[str, Any]
) -> None:
    concern = records["own"].concern
    agency = agency_for(world.school)
    client.force_login(world.users["dsl"])
    url = reverse("concern-referral-add", kwargs={"pk": concern.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert world.pupil.display_name in page.content.decode()
    now = timezone.localtime()
    made = now.strftime("%d/%m/%Y %H:%M")
    response = client.post(url, referral_form(agency.pk, pupil=world.pupil.pk, made_at=made))
    referral = (
        Referral.objects.filter(school=world.school).exclude(pk=records["own"].referral.pk).get()
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("referral-detail", kwargs={"pk": referral.pk})
    assert referral.concern_id == concern.pk
    assert referral.pupil_id == world.pupil.pk
    detail = client.get(response["Location"]).content.decode()
    assert (
        f"the written follow-up is due by the end of {dateformat.format(now, 'l j F Y')}" in detail
    )
    assert "Record the written follow-up" in detail


def test_an_unknown_agency_is_explained_and_nothing_typed_is_lost(
    client: Any, world: World
) -> None:
    other_trusts = agency_for(world.other_school, name="Somewhere else")
    client.force_login(world.users["dsl"])
    url = reverse("referral-add", kwargs={"pk": world.pupil.pk})
    for bad in (other_trusts.pk, 999999, "not-a-number"):
        page = client.post(url, referral_form(bad)).content.decode()
        assert "Choose an agency from the list" in page
        assert "bruising seen on the arm" in page  # the typed text is still there
        assert 'value="13/11/2026 16:00"' in page
    assert not Referral.objects.exists()


def test_a_pupil_of_another_school_cannot_be_referred(client: Any, world: World) -> None:
    client.force_login(world.users["dsl"])
    url = reverse("referral-add", kwargs={"pk": world.other_pupil.pk})
    assert client.post(url, referral_form(agency_for(world.school).pk)).status_code == 404
    assert not Referral.objects.exists()


def test_an_outcome_before_the_referral_is_shown_next_to_the_field(
    client: Any, world: World
) -> None:
    referral = make_referral(world.users["dsl"], world.pupil)
    client.force_login(world.users["dsl"])
    page = client.post(
        reverse("referral-response", kwargs={"pk": referral.pk}),
        {
            "kind": "outcome",
            "occurred_at": "12/11/2026 09:00",
            "source": "Hub team manager",
            "outcome": "nfa",
            "notes": "Threshold not met",
        },
    ).content.decode()
    assert "The outcome cannot be before the referral was made (13/11/2026 16:00)" in page
    assert 'class="govuk-error-summary"' in page
    assert "Threshold not met" in page
    assert not referral.updates.exists()


def test_an_outcome_needs_its_value(client: Any, world: World) -> None:
    referral = make_referral(world.users["dsl"], world.pupil)
    client.force_login(world.users["dsl"])
    page = client.post(
        reverse("referral-response", kwargs={"pk": referral.pk}),
        {"kind": "outcome", "occurred_at": "14/11/2026 09:00", "source": "Hub"},
    ).content.decode()
    assert "Choose the outcome" in page


def test_the_list_shows_overdue_referrals_and_filters_by_state(client: Any, world: World) -> None:
    dsl = world.users["dsl"]
    overdue = make_referral(dsl, world.pupil)
    recent = make_referral(
        dsl, world.pupil, method="email", made_at=datetime.datetime.now(tz=datetime.UTC)
    )
    client.force_login(world.users["deputy"])
    page = client.get(reverse("referral-list"), {"state": "overdue"}).content.decode()
    assert reverse("referral-detail", kwargs={"pk": overdue.pk}) in page
    assert reverse("referral-detail", kwargs={"pk": recent.pk}) not in page
    assert 'data-testid="count-overdue">1<' in page
    everything = client.get(reverse("referral-list")).content.decode()
    assert reverse("referral-detail", kwargs={"pk": recent.pk}) in everything
    assert "Overdue" in everything


def test_the_list_query_count_does_not_grow_with_referrals(
    client: Any, world: World, assert_constant_queries: Any
) -> None:
    dsl = world.users["dsl"]
    first = make_referral(dsl, world.pupil)
    client.force_login(dsl)
    later: list[Any] = []

    def grow() -> None:
        later.extend(make_referral(dsl, world.pupil, made_at=FRIDAY_4PM) for _ in range(10))

    assert_constant_queries(
        reverse("referral-list"),
        grow=grow,
        expected=REFERRAL_LIST_QUERIES,
        marker=reverse("referral-detail", kwargs={"pk": first.pk}),
    )
    page = client.get(reverse("referral-list")).content.decode()
    assert all(reverse("referral-detail", kwargs={"pk": r.pk}) in page for r in later)


def _link(page: str, rel: str) -> str | None:
    """The list's Previous or Next link (rel "prev" or "next"), as the browser follows it."""
    found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def _shown(page: str, referrals: list[Referral]) -> list[Referral]:
    """The referrals the page links to, in the page's order."""
    at = {page.index(u): r for r in referrals if (u := _detail(r)) in page}
    return [at[i] for i in sorted(at)]


def _detail(referral: Referral) -> str:
    return f'href="{reverse("referral-detail", kwargs={"pk": referral.pk})}"'


def test_the_list_pages_through_referrals_tied_on_every_key_but_their_id(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Made at the same time, due at the same time, all open: only the id tells them apart, and
    each is on one page. The state filter and the count of those it matches stay on every page."""
    monkeypatch.setattr(views, "PER_PAGE", 2)
    dsl = world.users["dsl"]
    tied = [make_referral(dsl, world.pupil) for _ in range(5)]
    closed = make_referral(dsl, world.pupil)
    services.referral_record_response(
        actor=dsl,
        referral=closed,
        kind="outcome",
        occurred_at=FRIDAY_4PM + datetime.timedelta(days=3),
        source="Hub",
        outcome="nfa",
    )
    by_id = sorted(tied, key=lambda r: r.pk.bytes, reverse=True)
    client.force_login(world.users["deputy"])
    url = reverse("referral-list")
    pages, query = [], "?state=open"
    while query is not None and len(pages) < 10:
        page = client.get(url + query).content.decode()
        assert "5 referrals" in page  # those the filter matches, not the page's
        pages.append(_shown(page, [*tied, closed]))
        query = _link(page, "next")
        assert query is None or "state=open" in query
    assert pages == [by_id[0:2], by_id[2:4], by_id[4:5]]
    previous = _link(page, "prev")
    assert previous is not None
    assert _shown(client.get(url + previous).content.decode(), tied) == by_id[2:4]
    # Unfiltered, the closed one comes after every open one.
    pages, query = [], ""
    while query is not None and len(pages) < 10:
        page = client.get(url + query).content.decode()
        pages.append(_shown(page, [*tied, closed]))
        query = _link(page, "next")
    assert [r for page in pages for r in page] == [*by_id, closed]


@pytest.mark.parametrize("token", ["2", "garbage", "a:b:c", "x" * 3000])
def test_the_list_with_a_token_it_did_not_give_shows_its_first_page(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setattr(views, "PER_PAGE", 2)
    dsl = world.users["dsl"]
    tied = sorted(
        [make_referral(dsl, world.pupil) for _ in range(3)], key=lambda r: r.pk.bytes, reverse=True
    )
    client.force_login(dsl)
    response = client.get(reverse("referral-list"), {"page": token})
    assert response.status_code == 200
    assert _shown(response.content.decode(), tied) == tied[:2]


def test_every_page_of_the_list_takes_the_same_queries(
    client: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PER_PAGE", 2)
    dsl = world.users["dsl"]
    for _ in range(5):
        make_referral(dsl, world.pupil)
    client.force_login(dsl)
    url = reverse("referral-list")
    client.get(url)
    query: str | None = "?state=open"
    while query is not None:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url + query).content.decode()
        assert len(queries.captured_queries) == REFERRAL_LIST_QUERIES, "\n".join(
            q["sql"] for q in queries.captured_queries
        )
        query = _link(page, "next")


def test_viewing_a_referral_is_in_the_access_log(client: Any, world: World) -> None:
    referral = make_referral(world.users["dsl"], world.pupil)
    client.force_login(world.users["head"])
    assert client.get(reverse("referral-detail", kwargs={"pk": referral.pk})).status_code == 200
    log = AccessLog.objects.get(what="referral")
    assert (log.user, log.pupil_id, log.record_id) == (
        world.users["head"],
        world.pupil.pk,
        str(referral.pk),
    )


def test_the_concern_page_lists_its_referrals_to_cp_readers_and_offers_one_to_managers(
    client: Any, world: World, records: dict[str, Any]
) -> None:
    """The referrals section ({% concern_referrals %}, owned by referrals) on the concern page."""
    concern, referral = records["own"].concern, records["own"].referral
    url = reverse("concern-detail", kwargs={"pk": concern.pk})
    link = reverse("referral-detail", kwargs={"pk": referral.pk})
    add = reverse("concern-referral-add", kwargs={"pk": concern.pk})
    for role, manages in [("dsl", True), ("deputy", True), ("head", False), ("tso", False)]:
        client.force_login(world.users[role])
        response = client.get(url)
        assert response.status_code == 200, role
        page = response.content.decode()
        assert 'data-testid="concern-referrals"' in page, role
        assert f'href="{link}">{referral.agency_name}</a> for {world.pupil.display_name}' in page
        assert (add in page) is manages, role
    client.force_login(world.users["staff"])  # the author: Part 1 only, no referrals
    page = client.get(url).content.decode()
    assert 'id="referrals"' not in page
    assert link not in page


def test_home_page_shows_referrals_needing_attention_to_cp_readers_only(
    client: Any, world: World
) -> None:
    make_referral(world.users["dsl"], world.pupil)  # overdue, follow-up outstanding
    client.force_login(world.users["dsl"])
    page = client.get(reverse("home")).content.decode()
    assert "1 overdue</a>" in page
    assert "1 written follow-up outstanding</a>" in page
    client.force_login(world.users["staff"])
    assert 'data-testid="home-referrals"' not in client.get(reverse("home")).content.decode()


def test_an_acknowledgement_with_an_outcome_chosen_is_queried_not_dropped(
    client: Any, world: World
) -> None:
    referral = make_referral(world.users["dsl"], world.pupil)
    client.force_login(world.users["dsl"])
    page = client.post(
        reverse("referral-response", kwargs={"pk": referral.pk}),
        {
            "kind": "acknowledged",
            "occurred_at": "14/11/2026 09:00",
            "source": "Hub",
            "outcome": "nfa",
        },
    ).content.decode()
    assert "You chose an outcome" in page
    assert not referral.updates.exists()


def test_the_only_pupil_of_a_concern_is_already_chosen(
    client: Any, world: World, records: dict[str, Any]
) -> None:
    client.force_login(world.users["dsl"])
    page = client.get(
        reverse("concern-referral-add", kwargs={"pk": records["own"].concern.pk})
    ).content.decode()
    assert f'value="{world.pupil.pk}" checked' in page
