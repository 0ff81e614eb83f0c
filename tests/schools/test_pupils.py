"""Pupil list and search: scoped to the acting school, fast, and never leaking."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from schools.models import Pupil
from schools.selectors import pupil_list_for
from tests.support.factories import PupilFactory
from tests.support.world import World


@pytest.fixture
def signed_in_dsl(client, world: World):
    client.force_login(world.users["dsl"])
    return client


def _names(response) -> str:
    return response.content.decode()


def test_search_by_legal_name_preferred_name_and_upn(signed_in_dsl, world: World) -> None:
    PupilFactory(
        school=world.school,
        legal_first_name="Mohammed",
        legal_last_name="Rahman",
        preferred_first_name="Mo",
        upn="A123456789012",
    )
    url = reverse("pupil-list")
    assert "RAHMAN" in _names(signed_in_dsl.post(url, {"q": "rahm"}, follow=True))
    assert "RAHMAN" in _names(signed_in_dsl.post(url, {"q": "mo rah"}, follow=True))
    assert "RAHMAN" in _names(signed_in_dsl.post(url, {"q": "a1234567"}, follow=True))
    page = _names(signed_in_dsl.post(url, {"q": "Alphason"}, follow=True))
    assert "ALPHASON" in page
    assert "RAHMAN" not in page


def test_search_never_finds_another_schools_pupil(signed_in_dsl, world: World) -> None:
    page = _names(signed_in_dsl.post(reverse("pupil-list"), {"q": "Betason"}, follow=True))
    assert "No pupils match “Betason”" in page
    assert "Bartholomew" not in page
    assert str(world.other_pupil.pk) not in page


def test_selector_never_returns_another_schools_pupil(world: World) -> None:
    # Even asked for the other school by name, the selector returns nothing the actor may not see.
    assert list(pupil_list_for(actor=world.users["dsl"], school=world.other_school)) == []
    assert list(pupil_list_for(actor=world.users["other_dsl"], school=world.school)) == []


def test_htmx_search_returns_just_the_results(signed_in_dsl, world: World) -> None:
    PupilFactory(school=world.school, legal_last_name="Zedson")
    response = signed_in_dsl.post(reverse("pupil-list"), {"q": "alph"}, HTTP_HX_REQUEST="true")
    page = _names(response)
    assert "ALPHASON" in page
    assert "ZEDSON" not in page
    assert "<html" not in page
    # The address bar shows the results' URL, with a token for what was typed, not the words.
    pushed = response["HX-Push-Url"]
    assert pushed.startswith(reverse("pupil-list") + "?q=t-")
    assert "alph" not in pushed
    assert "ALPHASON" in _names(signed_in_dsl.get(pushed))


def test_pupils_who_have_left_are_hidden_unless_asked_for(signed_in_dsl, world: World) -> None:
    PupilFactory(
        school=world.school,
        legal_last_name="Leaverton",
        joined_on=datetime.date(2020, 9, 1),
        left_on=datetime.date(2024, 7, 20),
    )
    url = reverse("pupil-list")
    assert "LEAVERTON" not in _names(signed_in_dsl.post(url, {"q": "leav"}, follow=True))
    page = _names(signed_in_dsl.post(url, {"q": "leav", "include_left": "on"}, follow=True))
    assert "LEAVERTON" in page
    assert "ALPHASON" not in page


def test_pupil_list_query_count_does_not_grow_with_the_roll(
    signed_in_dsl,
    world: World,
    django_assert_max_num_queries,
) -> None:
    """2,000 pupils cost the same queries as one page of them (no N+1)."""
    url = reverse("pupil-list")
    signed_in_dsl.get(url)  # warm the content-type cache
    # Session, user, second factor (django-otp's device), permissions, school, triage badge (2), count, page, session save, savepoints.
    with django_assert_max_num_queries(14) as small:
        signed_in_dsl.get(url)
    pupils = [
        Pupil(
            school=world.school,
            legal_first_name=f"Pupil{n}",
            legal_last_name="Bulkson",
            date_of_birth=datetime.date(2014, 1, 1),
            year_group="6",
            joined_on=datetime.date(2020, 9, 1),
            search_text=f"pupil{n} bulkson",
        )
        for n in range(2000)
    ]
    Pupil.objects.bulk_create(pupils)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = signed_in_dsl.get(url)
    assert "2001 pupils" in _names(response)


def test_search_ignores_apostrophes_accents_and_hyphens(signed_in_dsl, world: World) -> None:
    PupilFactory(school=world.school, legal_first_name="Zoë", legal_last_name="O'Brien-Smith")
    url = reverse("pupil-list")
    for query in ["O’Brien", "obrien", "o'brien", "zoe", "brien smith", "ZOË O'BRIEN"]:
        page = _names(signed_in_dsl.post(url, {"q": query}, follow=True))
        assert "O&#x27;BRIEN-SMITH" in page, query
        assert "ALPHASON" not in page, query


def test_a_search_is_posted_and_its_url_carries_a_token_not_the_words(
    signed_in_dsl, world: World
) -> None:
    """Names stay out of URLs, so out of the web server's log (issue 16, docs/adr/0033)."""
    PupilFactory(school=world.school, legal_last_name="Zedson")
    url = reverse("pupil-list")
    response = signed_in_dsl.post(url, {"q": "Alphason", "include_left": "on"})
    assert response.status_code == 302
    location = response["Location"]
    assert "Alphason" not in location
    assert location.startswith(url + "?")
    assert "include_left=on" in location  # not personal: as it was
    page = _names(signed_in_dsl.get(location))
    assert "ALPHASON" in page
    assert "ZEDSON" not in page
    assert 'value="Alphason"' in page  # the box still shows what was typed
    # A term written into the URL by hand is no token of this session: it finds nothing.
    by_hand = _names(signed_in_dsl.get(url, {"q": "Alphason"}))
    assert "ZEDSON" in by_hand
    # Another person's session does not know the token.
    signed_in_dsl.force_login(world.users["head"])
    assert "ZEDSON" in _names(signed_in_dsl.get(location))
