"""Searching a school's records (issue 20, docs/adr/0042): full-text search over concerns,
addenda, DSL records, chronology entries, referrals and risk assessments, each through its own
visibility rules, on real PostgreSQL."""

from __future__ import annotations

import datetime
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from chronology import services as chronology_services
from concerns import services
from home.search.selectors import CONFIG, KINDS, StoredDocument, marked, search_document
from tests.concerns.conftest import draft
from tests.support.factories import PupilFactory
from tests.support.records.restricted import WORDS, restricted_concern
from tests.support.world import World

URL = "/search/"
postgres_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="full-text search is PostgreSQL's"
)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def search(client: Client, q: str, **filters: str) -> Any:
    """Post the search as the page does and follow the redirect to its results."""
    response = client.post(URL, {"q": q, **filters})
    if response.status_code != 302:
        return response
    return client.get(response["Location"])


def kinds_found(response: Any) -> list[str]:
    return re.findall(
        r'data-testid="search-result" data-kind="([a-z_]+)"', response.content.decode()
    )


def _concern(world: World, categories: dict, account: str, pupils: list[Any] | None = None) -> Any:
    staff = world.users["staff"]
    return services.concern_submit(
        actor=staff,
        concern=draft(staff, pupils or [world.pupil], categories, account=account),
    )


@postgres_only
@pytest.mark.django_db
def test_stemming_finds_car_for_cars_and_marks_the_word(world: World, categories: dict) -> None:
    _concern(world, categories, "Sam was seen getting into the uncle's car after school.")
    response = search(_client(world.users["dsl"]), "cars")
    assert response.status_code == 200
    assert kinds_found(response) == ["concern"]
    body = response.content.decode()
    assert "<mark>car</mark>" in body
    assert "1 record found" in body


@postgres_only
@pytest.mark.django_db
def test_a_quoted_phrase_finds_the_words_together_only(world: World, categories: dict) -> None:
    together = _concern(world, categories, "Seen getting into the uncle's car at the gate.")
    _concern(world, categories, "The car park was busy; an uncle collected his nephew.")
    dsl = _client(world.users["dsl"])
    assert len(kinds_found(search(dsl, "uncle car"))) == 2
    response = search(dsl, '"uncle\'s car"')
    assert kinds_found(response) == ["concern"]
    assert reverse("concern-detail", args=[together.pk]) in response.content.decode()
    # or, and a word left out
    assert len(kinds_found(search(dsl, "gate or nephew"))) == 2
    assert len(kinds_found(search(dsl, "car -nephew"))) == 1


@postgres_only
@pytest.mark.django_db
def test_every_kind_of_record_is_found_by_its_words(world: World, categories: dict) -> None:
    restricted_concern(world, categories)  # the DSL reads every restricted record
    dsl = _client(world.users["dsl"])
    expected = {
        "account": "concern",
        "addendum": "addendum",
        "part2": "dsl_record",
        "referral": "referral",
        "risk": "risk_assessment",
        "correction": "chronology",
    }
    for word_kind, kind in expected.items():
        response = search(dsl, WORDS[word_kind])
        assert kind in kinds_found(response), (word_kind, kinds_found(response))
    # each result links to its record's page, which opens
    response = search(dsl, WORDS["risk"])
    for href in re.findall(
        r'<h3[^>]*><a class="govuk-link" href="([^"]+)"', response.content.decode()
    ):
        assert dsl.get(href).status_code == 200


@postgres_only
@pytest.mark.django_db
def test_restricted_records_only_for_those_named(world: World, categories: dict) -> None:
    restricted_concern(world, categories)  # restricted, naming the headteacher only
    for role, sees in [("dsl", True), ("head", True), ("deputy", False), ("tso", False)]:
        client = _client(world.users[role])
        for word in WORDS.values():
            found = kinds_found(search(client, word))
            assert bool(found) is sees or word in (WORDS["action"], WORDS["done"]), (role, word)


@pytest.mark.django_db
def test_another_schools_records_are_never_found(world: World, categories: dict) -> None:
    from tests.support.world import add_sibling

    add_sibling(world)
    other_dsl, sibling_dsl = world.users["other_dsl"], world.users["sibling_dsl"]
    for dsl, pupil in [(other_dsl, world.other_pupil), (sibling_dsl, world.sibling_pupil)]:
        services.category_seed_defaults(trust=pupil.school.trust)
        cats = {c.label: c for c in services.categories_for(school=pupil.school)}
        services.concern_submit(
            actor=dsl, concern=draft(dsl, [pupil], cats, account="Zebracrossing seen by all")
        )
    for role in ["dsl", "deputy", "head", "tso"]:
        response = search(_client(world.users[role]), "zebracrossing")
        assert response.status_code == 200
        assert kinds_found(response) == [], role
        assert "Zebracrossing" not in response.content.decode()
    # their own DSL finds theirs
    assert kinds_found(search(_client(sibling_dsl), "zebracrossing")) == ["concern"]


@pytest.mark.django_db
def test_who_may_search(world: World) -> None:
    for role, status in [("staff", 403), ("admin", 403), ("governor", 403), ("dsl", 200)]:
        assert _client(world.users[role]).get(URL).status_code == status, role


@pytest.mark.django_db
def test_a_search_shown_is_access_logged_one_row_a_pupil(world: World, categories: dict) -> None:
    second = PupilFactory(school=world.school, legal_first_name="Bea", legal_last_name="Second")
    _concern(world, categories, "Bruise on the arm after the weekend", [world.pupil, second])
    dsl = _client(world.users["dsl"])
    before = set(AccessLog.objects.values_list("pk", flat=True))
    response = search(dsl, "bruise")
    assert kinds_found(response)
    rows = list(AccessLog.objects.exclude(pk__in=before))
    assert {r.what for r in rows} == {"record_search"}
    assert {r.pupil_id for r in rows} == {world.pupil.pk, second.pk}
    assert all(r.user_id == world.users["dsl"].pk and r.school_id == world.school.pk for r in rows)
    # a search finding nothing is recorded too, without a pupil
    before = set(AccessLog.objects.values_list("pk", flat=True))
    search(dsl, "nothingmatchesthis")
    (row,) = AccessLog.objects.exclude(pk__in=before)
    assert (row.what, row.pupil_id) == ("record_search", None)


@pytest.mark.django_db
def test_the_words_never_travel_in_the_url(world: World, categories: dict) -> None:
    _concern(world, categories, "Seen at the canal after school")
    dsl = _client(world.users["dsl"])
    response = dsl.post(URL, {"q": "canal", "pupil": "Alphason"})
    location = response["Location"]
    assert "canal" not in location
    assert "Alphason" not in location
    assert parse_qs(urlsplit(location).query)["q"][0].startswith("t-")
    # a term put into a URL by hand finds nothing
    assert "search-result" not in dsl.get(URL + "?q=canal").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "x" * 5000,
        "<script>alert(1)</script>",
        "car\x00s",
        "!!! & | <-> :* ( ) ' \"",
        '"unclosed phrase',
        "-",
        "or or or",
        "the",
        "\\",
        "%_%",
    ],
)
def test_hostile_or_empty_words_give_a_plain_message(
    world: World, categories: dict, q: str
) -> None:
    _concern(world, categories, "Seen getting into a car <b>bold</b> & more")
    response = search(_client(world.users["dsl"]), q)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<script>alert" not in body
    if not q.strip():
        assert "Enter the words to search for" in body
        assert "govuk-error-summary" in body
    elif "\x00" in q:
        assert "Remove the unusual character (a null character)" in body
    elif len(q) > 100:
        assert "Words to search for must be 100 characters or fewer" in body
    else:
        assert "search-count" in body


@pytest.mark.django_db
def test_markup_in_a_record_is_shown_as_text(world: World, categories: dict) -> None:
    _concern(world, categories, 'Wrote <img src=x onerror="alert(1)"> on the board; car seen')
    body = search(_client(world.users["dsl"]), "board car").content.decode()
    assert "<img src=x" not in body
    assert "<mark>board</mark>" in body
    if connection.vendor == "postgresql":  # its parser reads a tag as one: not in the snippet
        assert "onerror" not in body
    else:  # SQLite (make run): the snippet is the text, escaped
        assert "&lt;img src=x onerror=" in body


def test_the_snippet_marks_only_its_own_markers() -> None:
    start, stop = "hsabcx", "heabcx"
    html = marked(f"<b>x</b> {start}car{stop} <mark>not ours</mark>", start, stop)
    assert html == "&lt;b&gt;x&lt;/b&gt; <mark>car</mark> &lt;mark&gt;not ours&lt;/mark&gt;"
    # unbalanced markers: no mark at all
    assert "<mark>" not in marked(f"{start}car", start, stop)


@pytest.mark.django_db
def test_a_bad_date_is_told_beside_the_field_and_in_the_summary(
    world: World, categories: dict
) -> None:
    response = _client(world.users["dsl"]).post(
        URL,
        {"q": "car", "pupil": "Alph", "since_day": "31", "since_month": "2", "since_year": "2026"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert '<a href="#id_since_day">The date to search from must be a real date</a>' in body
    assert 'id="since_day-error"' in body or 'id="since-error"' in body
    assert 'value="Alph"' in body  # nothing typed is lost
    response = _client(world.users["dsl"]).post(
        URL,
        {
            "q": "car",
            "since_day": "2",
            "since_month": "1",
            "since_year": "2026",
            "until_day": "1",
            "until_month": "1",
            "until_year": "2026",
        },
    )
    assert "must be the same as or after the date to search from" in response.content.decode()


@pytest.mark.django_db
def test_filters_by_pupil_category_date_and_author(world: World, categories: dict) -> None:
    other = PupilFactory(school=world.school, legal_first_name="Olive", legal_last_name="Otherly")
    mine = _concern(world, categories, "A bruise on the left arm")
    _concern(world, categories, "A bruise on the right leg", [other])
    dsl = _client(world.users["dsl"])
    assert len(kinds_found(search(dsl, "bruise"))) == 2
    response = search(dsl, "bruise", pupil="Otherly")
    assert len(kinds_found(response)) == 1
    assert "on the right" in response.content.decode()
    # category: both are "Physical abuse"
    from concerns.models import Category

    physical = Category.objects.get(trust=world.school.trust, name="Physical abuse")
    neglect = Category.objects.get(trust=world.school.trust, name="Neglect")
    assert len(kinds_found(search(dsl, "bruise", category=str(physical.pk)))) == 2
    assert kinds_found(search(dsl, "bruise", category=str(neglect.pk))) == []
    # author
    assert len(kinds_found(search(dsl, "bruise", author=str(world.users["staff"].pk)))) == 2
    assert kinds_found(search(dsl, "bruise", author=str(world.users["head"].pk))) == []
    # dates: written today
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    day = {
        "since_day": str(today.day),
        "since_month": str(today.month),
        "since_year": str(today.year),
    }
    assert len(kinds_found(search(dsl, "bruise", **day))) == 2
    later = {
        "since_day": str(tomorrow.day),
        "since_month": str(tomorrow.month),
        "since_year": str(tomorrow.year),
    }
    assert kinds_found(search(dsl, "bruise", **later)) == []
    assert mine


@pytest.mark.django_db
def test_the_search_page_is_in_the_dsls_school_bar(world: World) -> None:
    body = _client(world.users["dsl"]).get("/").content.decode()
    assert 'data-testid="record-search-link">Search records</a>' in body
    assert "record-search-link" not in _client(world.users["staff"]).get("/").content.decode()


@pytest.mark.django_db
def test_query_count_does_not_grow_with_results(
    world: World, categories: dict, django_assert_max_num_queries: Any
) -> None:
    dsl = _client(world.users["dsl"])

    def more(n: int) -> None:
        """A concern, its addendum and a chronology note, each with the word."""
        pupil = PupilFactory(school=world.school, legal_last_name=f"Many{n}")
        concern = _concern(world, categories, f"A bruise seen, number {n}", [pupil])
        services.addendum_add(actor=world.users["dsl"], concern=concern, text="bruise again")
        chronology_services.chronology_add_entry(
            actor=world.users["dsl"],
            pupil=pupil,
            kind="note",
            occurred_at=timezone.now(),
            details="Bruise checked by the nurse",
        )

    more(0)
    location = dsl.post(URL, {"q": "bruise"})["Location"]
    with django_assert_max_num_queries(40) as few:
        dsl.get(location)
    for n in range(1, 7):
        more(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = dsl.get(location)
    assert len(kinds_found(response)) == 20  # a page; 7 concerns' 21 records in all
    assert "21 records found" in response.content.decode()


@postgres_only
@pytest.mark.django_db
def test_each_kinds_words_are_read_from_its_index(world: World, categories: dict) -> None:
    """Each kind's stored column (migrations *_record_search.py) holds the vector Django would
    compute from the record's words, and its match is planned on the column's GIN index."""
    restricted_concern(world, categories)  # a record of every kind
    query = SearchQuery("uncle's car", config=CONFIG, search_type="websearch")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for kind in KINDS:
            rows = kind.model._default_manager.annotate(
                stored=StoredDocument(), computed=search_document(kind)
            )
            assert rows.exists(), kind.key
            for stored, computed in rows.values_list("stored", "computed"):
                assert stored == computed, kind.key
            sql, params = rows.filter(stored=query).values("pk").query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(r[0] for r in cursor.fetchall())
            assert f"{kind.model._meta.model_name}_search" in plan, (kind.key, plan)


@postgres_only
@pytest.mark.django_db
def test_the_words_follow_the_record_when_retention_blanks_them(
    world: World, categories: dict
) -> None:
    """The stored column is generated: words blanked in place (as retention's destruction does,
    its guards standing aside) leave nothing to find."""
    concern = _concern(world, categories, "Seen near the canal lock")
    dsl = _client(world.users["dsl"])
    assert kinds_found(search(dsl, "canal")) == ["concern"]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending
        cursor.execute("ALTER TABLE concerns_concern DISABLE TRIGGER USER")
        cursor.execute("UPDATE concerns_concern SET account = '' WHERE id = %s", [concern.pk])
        cursor.execute("ALTER TABLE concerns_concern ENABLE TRIGGER USER")
    assert kinds_found(search(dsl, "canal")) == []
