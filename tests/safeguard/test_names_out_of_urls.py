"""No URL the product writes carries a pupil's name or what someone searched for (issue 16,
docs/adr/0033): a URL goes into the web server's access log, the browser's history and the
Referer of the next request.

The main pages are crawled as several roles, from the home page along every link (a few of each
route), after searching for a pupil, the inbox and a chronology the way the pages do (posted,
and as htmx posts as the person types). Every URL in a rendered href, action, src, hx-get or
hx-post, every redirect's Location and every htmx URL header is read: none may hold a pupil's
name or UPN, or a term searched for. And no page has a GET form with a box to type in (other
than dates), which would put what is typed into its URL.
"""

from __future__ import annotations

import datetime
import html
import re
from collections import Counter, deque
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import pytest
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from schools.models import Pupil
from tests.support import routes
from tests.support.world import Records, World

# The tenancy matrix's world, built once for the module (its records committed, each test rolled
# back).
matrix_data = routes.matrix_data
world = routes.world
records = routes.records

pytestmark = pytest.mark.xdist_group("tenancy-matrix")

ROLES = ["staff", "dsl", "head", "admin", "tso", "governor"]
PER_ROUTE = 2  # pages of each route visited (a second pupil's page finds nothing new)
PAGES_PER_ROLE = 160
# What is searched for: a pupil's surname (whole and part), and words of a chronology.
SURNAME = "Searchley"
TERMS = [SURNAME, "earchl", "Quokka stairwell"]
# Not crawled: leaving, and files (no links in them; their URLs are read where they are linked).
SKIP_ROUTES = {"logout", "account-keep-alive"}
URL_ATTRIBUTES = re.compile(
    r"\b(?:href|action|src|formaction|hx-get|hx-post|hx-put|hx-delete|data-keep-alive|"
    r'data-sign-in)\s*=\s*"([^"]*)"'
)
HEADERS = ("Location", "HX-Push-Url", "HX-Redirect", "HX-Location", "HX-Replace-Url")
GET_FORM = re.compile(r"<form\b(?![^>]*method=\"post\")[^>]*>(.*?)</form>", re.S | re.I)
TYPED_INPUT = re.compile(
    r'<(?:input|textarea)\b(?=[^>]*\bname="([^"]+)")(?![^>]*type="(?:hidden|checkbox|radio|'
    r'submit|button)")[^>]*>',
    re.I,
)
DATE_BOXES = {"start", "end"}  # the dashboards' dates (dd/mm/yyyy): no one's data


class Crawl:
    """One person's walk: every URL seen, where it was seen, and what may never be in one."""

    def __init__(self, client: Client, role: str, private: list[str]) -> None:
        self.client, self.role = client, role
        self.private = private
        self.found: list[tuple[str, str]] = []  # (url, where it was seen)
        self.get_forms: list[tuple[str, list[str]]] = []
        self.visited: set[str] = set()
        self.per_route: Counter[str] = Counter()
        self.queue: deque[str] = deque()

    def see(self, url: str, where: str) -> None:
        self.found.append((url, where))
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            return
        self.queue.append(url)

    def read(self, response: Any, where: str) -> None:
        for header in HEADERS:
            if response.has_header(header):
                self.see(response[header], f"{header} of {where}")
        kind = response.get("Content-Type", "")
        if getattr(response, "streaming", False) or "html" not in kind:
            return
        body = response.content.decode(errors="replace")
        for raw in URL_ATTRIBUTES.findall(body):
            self.see(html.unescape(raw), where)
        for form in GET_FORM.findall(body):
            boxes = [name for name in TYPED_INPUT.findall(form) if name not in DATE_BOXES]
            if boxes:
                self.get_forms.append((where, boxes))

    def visit(self, url: str) -> None:
        path = urlsplit(url).path
        try:
            name = resolve(path).view_name
        except Resolver404:
            return
        if url in self.visited or name in SKIP_ROUTES or self.per_route[name] >= PER_ROUTE:
            return
        self.visited.add(url)
        self.per_route[name] += 1
        self.read(self.client.get(url), url)

    def post(self, url: str, data: dict[str, str], **headers: str) -> None:
        response = self.client.post(url, data, **headers)
        self.read(response, f"POST {url}")
        if response.status_code in (301, 302, 303) and response.has_header("Location"):
            self.visit(response["Location"])

    def walk(self) -> None:
        while self.queue and len(self.visited) < PAGES_PER_ROLE:
            self.visit(self.queue.popleft())

    def leaks(self) -> list[tuple[str, str, str]]:
        """(what leaked, the URL, where it was seen)."""
        found = []
        for url, where in self.found:
            plain = unquote_plus(url)
            words = set(re.findall(r"[^\W\d_]+", plain))
            for secret in self.private:
                leaked = (
                    secret.lower() in plain.lower()
                    if secret in TERMS
                    else secret in words or (" " in secret and secret in plain)
                )
                if leaked:
                    found.append((secret, url, where))
        return found


def _private(records: dict[str, Records]) -> list[str]:
    """Every pupil's names and UPN, and the terms searched for."""
    secrets = set(TERMS)
    for pupil in Pupil.objects.all():
        for value in (
            pupil.legal_first_name,
            pupil.legal_last_name,
            pupil.preferred_first_name,
            pupil.preferred_last_name,
            pupil.upn,
        ):
            if value and len(value) >= 3:
                secrets.add(value)
    return sorted(secrets)


def _many_pupils(world: World) -> None:
    """More pupils than a page of the list shows, so its next pages' links carry the search."""
    Pupil.objects.bulk_create(
        Pupil(
            school=world.school,
            legal_first_name=f"Pupil{'x' * (n % 5)}",
            legal_last_name=SURNAME,
            date_of_birth=datetime.date(2015, 1, 1),
            year_group="5",
            joined_on=datetime.date(2021, 9, 1),
            search_text=f"pupil{'x' * (n % 5)} {SURNAME.lower()}",
        )
        for n in range(60)
    )


def _search_as_the_pages_do(crawl: Crawl, world: World, records: dict[str, Records]) -> None:
    pupils, inbox = reverse("pupil-list"), reverse("triage-inbox")
    chronology = reverse("pupil-chronology", args=[world.pupil.pk])
    for term in TERMS:
        crawl.post(pupils, {"q": term})
        crawl.post(pupils, {"q": term, "include_left": "on"}, HTTP_HX_REQUEST="true")
        crawl.post(inbox, {"status": "new", "pupil": term, "category": "", "reporter": ""})
        crawl.post(chronology, {"order": "oldest", "q": term, "kind": ""})
        if crawl.role == "staff":  # the author of school A's draft adds a pupil to it
            search = reverse("concern-pupil-search", args=[records["own"].draft.pk])
            crawl.post(search, {"pupil_q": term}, HTTP_HX_REQUEST="true")


@pytest.mark.parametrize("role", ROLES)
def test_no_url_carries_a_pupils_name_or_a_search_term(
    client: Client, world: World, records: dict[str, Records], role: str
) -> None:
    _many_pupils(world)
    private = _private(records)
    assert world.pupil.legal_last_name in private
    assert SURNAME in private
    client.force_login(world.users[role])
    crawl = Crawl(client, role, private)
    crawl.visit(reverse("home"))
    _search_as_the_pages_do(crawl, world, records)
    crawl.walk()
    assert len(crawl.visited) >= 8, crawl.visited  # a walk that found nothing proves nothing
    assert crawl.leaks() == []
    assert crawl.get_forms == [], "a GET form with a box to type in puts what is typed in a URL"


def test_a_search_term_in_a_url_would_be_found(
    client: Client, world: World, records: dict[str, Records]
) -> None:
    """The check reads what it should: a name or term in any URL is a leak."""
    private = _private(records)
    crawl = Crawl(client, "dsl", private)
    crawl.found = [
        ("/pupils/?q=Searchley", "a"),
        (f"/triage/?pupil={world.pupil.legal_last_name.lower()[:4]}x", "b"),
        (f"/x/?name={world.pupil.legal_first_name}+{world.pupil.legal_last_name}", "c"),
        ("/pupils/?q=t-AbCdEf&page=2", "d"),
    ]
    leaked = {where for _secret, _url, where in crawl.leaks()}
    assert leaked == {"a", "c"}  # a part of a name no one searched for is no name
