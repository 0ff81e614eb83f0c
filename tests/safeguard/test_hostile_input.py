"""Hostile input on every page (issue 16): every query string a page reads and every field of
every form it renders, given what a careless paste or an attacker sends (Unicode digits, NUL,
1 MB, a right-to-left override, 5,000 digits, impossible dates, SQL and HTML), gives no server
error; a form that comes back with an error still holds what was typed; and a date no record can
have (1 January 0001, 31 December 9999) is refused beside its field.

Each route of the tenancy matrix is opened, with school A's records, by the author of the record
and by each of the widest roles allowed on it (their pages show different forms). The values are
dealt out rather than multiplied, to keep the run to a minute or so: every field and query name
gets the values that break code reading a value by hand (`EVERYWHERE`), the others in one request
with each field given a different one, then one request per field with only that field hostile
and the rest filled in plausibly (so the value reaches the service behind a form otherwise
valid), and each date field each impossible date. Routes that only take a POST are sent the
names views read from posted data by hand; their forms are sent from the pages showing them.
"""

from __future__ import annotations

import datetime
import re
import traceback
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.forms import Field, Form, field_values, page_forms
from tests.support.routes import AUTHOR, ROUTES, Route
from tests.support.world import Records, World, empty_tables, make_records, make_world

# 1 MB of text, right-to-left overrides in it (its metacharacters would take the test longer to
# read back than the product to write).
MB = ("Zoë \u202e" * (1024 * 1024 // 5 + 1))[: 1024 * 1024]
HOSTILE = [
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits: int() reads them as 12
    "𝟙",
    "-1",
    "9" * 5000,  # more digits than int() reads
    "a\x00b",  # PostgreSQL's text columns refuse NUL
    "\u202eevil'; DROP TABLE x; -- <i>\"&amp;</i>",
    MB,
    "01/01/0001",
    "31/12/9999",
    "²⁰²⁶-autumn",  # a QA term written with superscript digits
]
IMPOSSIBLE_DATES = [("01", "01", "0001"), ("31", "12", "9999")]
# What breaks code that reads a value by hand (a number checked with str.isdigit(), text that
# reaches PostgreSQL): every field and every name of a query string is sent each of these.
EVERYWHERE = ["²", "9" * 5000, "a\x00b"]
# The others are dealt out: in one request more per query string and per form, each field a
# different value (moved on by the route's name), and then one request per field of each form,
# with that field alone hostile and the others filled in plausibly. Every value in every field
# alone would take an hour.
DEALT_TURNS = 1
# A URL over 4 KB never reaches the product (gunicorn refuses a request line over 4,094 bytes):
# query strings are sent everything but the 1 MB value.
QUERY_VALUES = [v for v in HOSTILE if v is not MB]

# Who opens each page: the record's author where they may, and each of the widest roles allowed
# (their pages show different forms: a DSL's buttons on a concern, the TSO's decision on a
# request); a form one of them has already been sent is not sent again.
ROLES_TRIED = ["dsl", "tso", "admin", "head"]
ROLE_ORDER = ["dsl", "admin", "head", "tso", "deputy", "staff", "governor"]

# Names the product's views read straight from the query string or the posted data (not through
# a form the page renders): every GET page is sent the query string's, every POST-only route the
# posted data's, besides what its page renders.
_READ = r"""{0}\.get(?:list)?\(\s*["']([\w-]+)["']|["']([\w-]+)["'] in request\.{0}\b"""
PRODUCT = Path(__file__).resolve().parents[2]


def _names_read(where: str) -> list[str]:
    names: set[str] = set()
    pattern = re.compile(_READ.format(where))
    for path in PRODUCT.glob("*/**/*.py"):
        if path.parts[len(PRODUCT.parts)] in ("tests", "node_modules", "benchmarks", "docs"):
            continue
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            names.add(match.group(1) or match.group(2))
    return sorted(names)


QUERY_NAMES = _names_read("GET")
POSTED_NAMES = _names_read("POST")
_DATE_NAME = re.compile(r"(^|_)(date|day)$|_(at|on|date)$|^(start|end)$")
_DATE_HINT = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")
_TIME_HINT = re.compile(r"\d{1,2}:\d{2}")


def _roles_for(route: Route) -> list[str | None]:
    """Who opens the page (None: signed out)."""
    if route.public is not None or not route.allowed:
        return [None]
    roles = ["staff"] if AUTHOR in route.allowed else []
    roles += [r for r in ROLES_TRIED if r in route.allowed]
    return roles or [next(r for r in ROLE_ORDER if r in route.allowed)]


def _value(index: int, values: list[str] = HOSTILE) -> str:
    return values[index % len(values)]


def _dealt(fields: list[Field], turn: int, values: list[str] = HOSTILE) -> dict[str, Any]:
    """Every field a different hostile value, moved on by `turn`; the 1 MB value only once (a
    form with more fields than values would otherwise send several MB)."""
    data: dict[str, Any] = {}
    for j, f in enumerate(fields):
        value = _value(turn + j, values)
        if value is MB and j >= len(values):
            value = values[0]
        data[f.name] = [value] if f.many else value
    return data


def _is_date(f: Field) -> bool:
    return f.kind in ("text", "date") and bool(
        _DATE_NAME.search(f.name) or _DATE_HINT.search(f.hint)
    )


def _has_time(f: Field) -> bool:
    return f.name.endswith("_at") or bool(_TIME_HINT.search(f.hint))


def _date_groups(form: Form) -> list[str]:
    """GOV.UK date inputs: three boxes named <name>_day, <name>_month, <name>_year."""
    return [
        name[: -len("_day")]
        for name in form.fields
        if name.endswith("_day")
        and f"{name[: -len('_day')]}_month" in form.fields
        and f"{name[: -len('_day')]}_year" in form.fields
    ]


def _plausible(form: Form) -> dict[str, Any]:
    """The form as a person might fill it in: what the page put there, and for what it left
    empty a sensible answer (the first choice, today, some words)."""
    now = timezone.localtime() - datetime.timedelta(hours=1)
    data: dict[str, Any] = {}
    for f in form.fields.values():
        if f.value not in ("", []):
            data[f.name] = f.value
        elif f.kind in ("radio", "select") and f.options:
            data[f.name] = next((o for o in f.options if o), f.options[0])
        elif f.many and f.options:
            data[f.name] = [f.options[0]]
        elif f.kind == "hidden" or f.kind == "checkbox":
            continue
        elif f.name.endswith("_day") or f.name.endswith("_month") or f.name.endswith("_year"):
            data[f.name] = str(getattr(now, f.name.rsplit("_", 1)[1]))
        elif _is_date(f):
            data[f.name] = now.strftime("%d/%m/%Y %H:%M" if _has_time(f) else "%d/%m/%Y")
        elif f.kind == "email" or "email" in f.name:
            data[f.name] = "someone@alpha.example"
        elif f.kind == "number":
            data[f.name] = "1"
        else:
            data[f.name] = "Some words"
    return data


def _chosen(data: dict[str, Any], name: str, value: str) -> bool:
    sent = data.get(name)
    return value in sent if isinstance(sent, list) else sent == value


def _fuzzed(form: Form) -> list[Field]:
    """The form's fields, and the names of its buttons (read by views like any field)."""
    fields = [f for f in form.fields.values() if f.name != "csrfmiddlewaretoken"]
    buttons = {b.name for b in form.buttons if b.name and b.name not in form.fields}
    return fields + [Field(name=name, kind="button") for name in sorted(buttons)]


def _body(response: Any) -> str:
    if response.streaming or "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


class Fuzzer:
    """Sends one route's page and forms their hostile values, noting what goes wrong."""

    def __init__(self, client: Client, route_name: str) -> None:
        self.client = client
        self.route_name = route_name
        self.offset = zlib.crc32(route_name.encode()) % len(HOSTILE)
        self.problems: list[str] = []
        self.seen: set[tuple[str, ...]] = set()

    def send(self, method: str, url: str, data: dict[str, Any], sent: list[Field]) -> Any:
        """The response, having noted a server error or a typed answer lost (each request in a
        savepoint, so one server error does not hide the next)."""
        what = f"{method.upper()} {url} with {_short(data)}"
        try:
            with transaction.atomic():
                response = getattr(self.client, method)(url, data)
        except Exception as error:  # the test client re-raises the view's exception
            self.problems.append(f"{what}: {_where(error)} {type(error).__name__}: {error}")
            return None
        if response.status_code >= 500:
            self.problems.append(f"{what}: {response.status_code}")
        elif method == "post" and response.status_code == 200:
            self._kept(response, data, sent, what)
        return response

    def _kept(self, response: Any, data: dict[str, Any], sent: list[Field], what: str) -> None:
        """A form that comes back holds what was typed into it."""
        body = _body(response)
        if not body:
            return
        shown = field_values(body)
        for f in sent:
            typed = data.get(f.name)
            if not f.typed or f.name not in shown or not isinstance(typed, str):
                continue
            if f.revealed_by and not _chosen(data, *f.revealed_by):
                continue  # hidden with the option that shows it not chosen: not an answer
            # A NUL, which no keyboard types, may be dropped.
            if shown[f.name] not in (typed, typed.replace("\x00", "")):
                self.problems.append(f"typed {f.name!r} lost: {what}")

    def page(self, url: str, *, everything: bool, query: bool = True) -> None:
        """The page's query string and its forms (those of the layout only on the home page)."""
        body = _body(self.client.get(url))
        links = re.findall(r'href="[^"?]*\?([^"#]*)"', body)
        names = {p.partition("=")[0] for link in links for p in link.split("&amp;")}
        forms = [f for f in page_forms(body) if f.in_main or everything] if body else []
        for form in forms:
            if form.method == "get":
                names |= set(form.fields)
        if query:
            self.query(url, sorted(names | set(QUERY_NAMES)))
        for index, form in enumerate(forms):
            signature = (form.method, form.action or url, *sorted(form.fields))
            if signature not in self.seen:
                self.seen.add(signature)
                self.form(url, form, again=lambda i=index: self._reread(url, i, everything))

    def _reread(self, url: str, index: int, everything: bool) -> Form | None:
        """The page's form again, as the page renders it now (a draft's version moves on)."""
        body = _body(self.client.get(url))
        forms = [f for f in page_forms(body) if f.in_main or everything] if body else []
        return forms[index] if index < len(forms) else None

    def query(self, url: str, names: list[str]) -> None:
        """Every name given each of a few values (not the 1 MB one)."""
        for value in EVERYWHERE:
            self.send("get", url, dict.fromkeys(names, value), [])
        fields = [Field(name=n, kind="text") for n in names]
        for turn in range(DEALT_TURNS):
            self.send("get", url, _dealt(fields, turn + self.offset, QUERY_VALUES), [])

    def form(
        self, page_url: str, form: Form, again: Callable[[], Form | None] | None = None
    ) -> None:
        """The form sent with every field hostile (a few turns), then with each impossible date,
        then with each field hostile alone (`again` reads the form afresh for these)."""
        fields = _fuzzed(form)
        if not fields:
            return
        method = "post" if form.method == "post" else "get"
        values = HOSTILE if method == "post" else QUERY_VALUES
        targets = list(dict.fromkeys(t for t in (form.action or page_url, form.hx_post) if t))
        buttons = [b for b in form.buttons if b.name] or [None]
        for target in targets:
            sendings = [_dealt(fields, 0, [value]) for value in EVERYWHERE]
            sendings += [_dealt(fields, t + self.offset, values) for t in range(DEALT_TURNS)]
            for turn, hostile in enumerate(sendings):
                data = {**form.values(), **hostile}
                button = buttons[turn % len(buttons)]
                if button is not None:
                    data[button.name] = button.value
                self.send(
                    method, button.action if button and button.action else target, data, fields
                )
        form = (again() if again else None) or form
        plausible = _plausible(form)
        # The impossible dates first: a request that succeeds may close the record.
        self._dates(method, targets[0], form, plausible, fields)
        for j, f in enumerate(fields):
            value = _value(j + self.offset + DEALT_TURNS, values)
            data = {**plausible, f.name: [value] if f.many else value}
            self.send(method, targets[0], data, fields)

    def _dates(
        self, method: str, target: str, form: Form, plausible: dict[str, Any], fields: list[Field]
    ) -> None:
        """A date no record can have is refused, beside its field."""
        for f in fields:
            if not _is_date(f) or f.name.endswith(("_day", "_month", "_year")):
                continue
            for day, month, year in IMPOSSIBLE_DATES:
                typed = f"{day}/{month}/{year}" + (" 00:00" if _has_time(f) else "")
                self._refused(
                    method, target, form, {**plausible, f.name: typed}, fields, f.id or f.name
                )
        for name in _date_groups(form):
            for day, month, year in IMPOSSIBLE_DATES:
                parts = {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}
                self._refused(method, target, form, {**plausible, **parts}, fields, name)

    def _refused(
        self,
        method: str,
        target: str,
        form: Form,
        data: dict[str, Any],
        fields: list[Field],
        field_id: str,
    ) -> None:
        """The page comes back with the error beside the field, when sent with the form's first
        button, or else with the button that makes the page read that field (adding advice,
        say, reads the advice's date: saving the record does not)."""
        beside = re.compile(f'id="(id_)?{re.escape(field_id)}(_day)?-error"')
        statuses = []
        for button in [None, *(b for b in form.buttons if b.name)]:
            sent = {**data, button.name: button.value} if button else data
            response = self.send(
                method, button.action if button and button.action else target, sent, fields
            )
            if response is None or response.status_code in (403, 404):
                return  # a server error (noted), or the record changed under an earlier request
            if response.status_code == 200 and beside.search(_body(response)):
                return
            statuses.append(response.status_code)
        typed = {k: v for k, v in data.items() if k.startswith(field_id.removeprefix("id_"))}
        what = f"{target} {_short(typed)}"
        if any(s != 200 for s in statuses):
            self.problems.append(f"{what} was accepted ({statuses})")
        else:
            self.problems.append(f"{what}: no error beside {field_id}")


def _where(error: BaseException) -> str:
    """The product's line the error came from (else the last line it passed through)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [
        f for f in frames if f.filename.startswith(f"{PRODUCT}/") and "/tests/" not in f.filename
    ]
    last = (ours or frames)[-1] if frames else None
    return f"[{last.filename.removeprefix(f'{PRODUCT}/')}:{last.lineno}]" if last else ""


def _short(data: dict[str, Any]) -> str:
    def cut(v: Any) -> str:
        text = repr(v)
        return text if len(text) < 40 else f"{text[:30]}...({len(text)} chars)"

    return "{" + ", ".join(f"{k}: {cut(v)}" for k, v in data.items()) + "}"


@pytest.fixture(scope="module")
def fuzz_data(django_db_setup, django_db_blocker) -> Iterator[tuple[World, dict[str, Records]]]:
    """The tenancy matrix's world, built once per worker; each route's case is rolled back."""
    with django_db_blocker.unblock():
        world = make_world()
        data = (world, make_records(world))
    yield data
    with django_db_blocker.unblock():
        empty_tables()


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_hostile_input_on_every_page(client, fuzz_data, db, name: str) -> None:
    world, records = fuzz_data
    route = ROUTES[name]
    if route.public is None and not route.allowed and route.anon != 200:
        pytest.skip("no one may open it")
    url = reverse(name, kwargs=route.kwargs(world, records, "own") if route.kwargs else None)
    fuzzer = Fuzzer(client, name)
    for turn, role in enumerate(_roles_for(route)):
        if role is not None:
            client.force_login(world.users[role])
        if route.method == "post":
            # Its form is on another page (sent there); here, what the matrix posts to it.
            data = route.data(world, "own") if route.data else {}
            fields = {n: Field(name=n, kind="hidden") for n in POSTED_NAMES}
            fields |= {n: Field(name=n, kind="text") for n in data}
            fuzzer.form(url, Form(method="post", action=url, in_main=True, fields=fields))
            break
        fuzzer.page(url, everything=name == "home", query=turn == 0)
    assert not fuzzer.problems, "\n".join(fuzzer.problems)


# django-otp-webauthn's endpoints read a JSON body (every other route reads forms).
JSON_ROUTES = [
    n for n in sorted(ROUTES) if n.startswith("otp_webauthn:") and ROUTES[n].method == "post"
]
JSON_BODIES = [
    b"not json",
    b"\xff\xfe\x00",  # not UTF-8
    b'{"id": "a\\u0000b", "rawId": "\\u202e", "type": "public-key", "response": {}}',
    b'{"id": ' + b"9" * 5000 + b"}",
    b"[" * 100_000 + b"]" * 100_000,
    b'{"id": "' + MB.encode() + b'"}',
    b'{"response": {"clientDataJSON": "\\u0000", "attestationObject": "-1"}, "id": "\\u00b2"}',
]


@pytest.mark.parametrize("name", JSON_ROUTES)
def test_hostile_json_bodies(client, fuzz_data, db, name: str) -> None:
    world, _ = fuzz_data
    client.force_login(world.users["dsl"])
    url = reverse(name)
    problems = []
    for body in JSON_BODIES:
        try:
            with transaction.atomic():
                response = client.post(url, body, content_type="application/json")
        except Exception as error:  # the test client re-raises the view's exception
            problems.append(f"{body[:40]!r}: {_where(error)} {type(error).__name__}: {error}")
            continue
        if response.status_code >= 500:
            problems.append(f"{body[:40]!r}: {response.status_code}")
    assert not problems, "\n".join(problems)
