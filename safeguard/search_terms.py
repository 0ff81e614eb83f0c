"""What a person types to find a child never travels in a URL (issue 16, docs/adr/0033).

A URL is written to the web server's access log, kept in the browser's history and sent on in
a Referer header; a pupil's name, or the words looked for in a chronology, are personal data. A
search form therefore posts what was typed; the view keeps it in the person's session under a
random token and redirects (post, redirect, get) to the page's URL with the token in its place.
The page stays a page of its own in this session (back, reload, the next page of results, the
filters beside the term), and the term is nowhere but in the session, which is kept on the
server, and in the page's body.

A view never reads a term from the query string: a value there is only ever a token, so a term
put into a URL by hand, or by a link someone writes later, finds nothing rather than working.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from typing import Any

from django.http import HttpRequest, QueryDict

SESSION_KEY = "safeguard_search_terms"
KEPT = 20  # the newest searches of the session; an older token finds nothing
MARK = "t-"  # how a token starts, so it says what it is in a URL
TERM_MAX = 100  # no search box takes more
NOT_IN_URL = {"csrfmiddlewaretoken", "page"}  # a new search starts at its first page


def search_term_keep(request: HttpRequest, term: str) -> str:
    """Keep `term` in the session: the token that stands for it in a URL ("" for no term)."""
    term = str(term).strip()[:TERM_MAX]
    if not term:
        return ""
    kept: dict[str, str] = dict(request.session.get(SESSION_KEY) or {})
    for token, known in kept.items():
        if known == term:  # the same search again: the same URL (and no growth)
            kept.pop(token)
            break
    else:
        token = MARK + secrets.token_urlsafe(9)
    kept[token] = term
    request.session[SESSION_KEY] = dict(list(kept.items())[-KEPT:])
    return token


def search_term_for(request: HttpRequest, token: str | None) -> str:
    """The term a token of this session stands for ("" for none, or a token not of it)."""
    if not token:
        return ""
    return str((request.session.get(SESSION_KEY) or {}).get(token, ""))


def search_query(request: HttpRequest, data: Mapping[str, Any], *, terms: Iterable[str]) -> str:
    """The query string for a posted search: its filters as they are, each field of `terms`
    by its token, empty fields and the CSRF token left out."""
    private = set(terms)
    query = QueryDict(mutable=True)
    values = data.lists() if isinstance(data, QueryDict) else ((k, [v]) for k, v in data.items())
    for name, listed in values:
        if name in NOT_IN_URL:
            continue
        for value in listed:
            value = search_term_keep(request, value) if name in private else str(value)
            if value:
                query.appendlist(name, value)
    return query.urlencode()


def search_values(request: HttpRequest, *, terms: Iterable[str]) -> QueryDict:
    """The page's query string as the view reads it: each field of `terms` is the term its
    token stands for (empty for a value that is no token of this session)."""
    values = request.GET.copy()
    for name in terms:
        if name in values:
            values.setlist(name, [search_term_for(request, t) for t in values.getlist(name)])
    return values
