"""Search terms travel as tokens kept in the session (safeguard/search_terms.py)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.cache import SessionStore
from django.http import QueryDict
from django.test import RequestFactory

from safeguard import search_terms
from safeguard.search_terms import search_query, search_term_for, search_term_keep, search_values


@pytest.fixture
def request_with_session(rf: RequestFactory):
    request = rf.get("/")
    request.session = SessionStore()
    return request


def test_a_term_is_kept_under_a_token_that_says_nothing_of_it(request_with_session) -> None:
    token = search_term_keep(request_with_session, "  Alphason ")
    assert token.startswith("t-")
    assert "alph" not in token.lower()
    assert search_term_for(request_with_session, token) == "Alphason"
    # The same search again: the same token, so the session does not grow.
    assert search_term_keep(request_with_session, "Alphason") == token
    assert search_term_keep(request_with_session, "   ") == ""
    assert search_term_for(request_with_session, "Alphason") == ""  # a term is not a token
    assert search_term_for(request_with_session, None) == ""


def test_only_the_newest_searches_are_kept(request_with_session) -> None:
    tokens = [search_term_keep(request_with_session, f"name {n}") for n in range(25)]
    kept = request_with_session.session[search_terms.SESSION_KEY]
    assert len(kept) == search_terms.KEPT
    assert search_term_for(request_with_session, tokens[0]) == ""
    assert search_term_for(request_with_session, tokens[-1]) == "name 24"


def test_the_query_string_keeps_filters_and_hides_the_terms(request_with_session) -> None:
    posted = QueryDict(
        "csrfmiddlewaretoken=secret&status=new&pupil=O%27Brien&category=&page=3&kind=a&kind=b"
    )
    query = search_query(request_with_session, posted, terms=["pupil"])
    for left_out in ("secret", "page", "category"):
        assert left_out not in query
    assert "Brien" not in query
    asked = QueryDict(query, mutable=True)
    assert asked["status"] == "new"
    assert asked.getlist("kind") == ["a", "b"]
    request_with_session.GET = asked
    values = search_values(request_with_session, terms=["pupil"])
    assert values["pupil"] == "O'Brien"
    assert values["status"] == "new"
