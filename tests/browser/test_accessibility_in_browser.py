"""Every page each role can reach, checked by axe-core, at 320 px and by the Nu HTML Checker
(docs/adr/0047).

One world (the tenancy matrix's: tests/support/world.py, with a record of every kind), one live
server, one Chromium. For each role a browser context is signed in and crawls the site from the
home page: every link and GET form within the site, de-duplicated by the view a URL resolves to
(at most PER_VIEW pages a view), then every URL name the tenancy matrix says the role may GET
(with the world's real objects), so a page no link leads to is not missed. Then each form on
those pages is sent empty once, so the error summaries and messages are checked too.

On each page: axe-core (node_modules, pinned in package.json) with the WCAG 2.0, 2.1 and 2.2 A
and AA rules, failing on a serious or critical violation; at a 320 px wide viewport the page must
not scroll sideways (WCAG 1.4.10); the HTML the server sent is kept, and the Nu HTML Checker
(node_modules/vnu-jar) checks every page in one run, allowing only htmx's `hx-*` attributes.

The crawl runs once for the module (a module-scoped fixture); the tests below read its results.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Browser, BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

from tests.support.auth import app_for, force_login_with_second_factor
from tests.support.routes import ROUTES, expected_status
from tests.support.world import World, empty_tables, make_records, make_world

# One worker crawls the whole site (`--dist loadgroup`): the world and the browser are built once.
# (`django_db` makes pytest-django set up the test database, which the module's world is
# committed to.)
pytestmark = [pytest.mark.xdist_group("accessibility"), pytest.mark.django_db]

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = {"serious", "critical"}
NARROW = 320  # CSS px: WCAG 1.4.10 Reflow
WIDE = {"width": 1280, "height": 900}
# Pages of one view a role's crawl checks: one pupil's page stands for every pupil's. (Two
# doubled the run's time and found nothing more.)
PER_VIEW = 1

# The roles of the tenancy matrix's world, and the platform administrator (a superuser with no
# school role, docs/adr/0025). School B's DSL is a DSL like A's: left out.
ANON = "anonymous"
PLATFORM = "platform"
ROLES = [ANON, "staff", "deputy", "dsl", "head", "admin", "governor", "tso", PLATFORM]
# The demo trust (`seed_demo`), whose records are as long and as many as a school's: the wide
# tables and long names the test world's few, short records do not show. Its people follow links
# only (the test world's roles cover every URL name).
DEMO_ROLES = {
    "demo-staff": "staff@alderbrook.example",
    "demo-dsl": "dsl@alderbrook.example",
    "demo-tso": "tso@northgate.example",
}

# URL names that are not pages to check, though a role may GET them. Each says why.
NOT_PAGES = {
    # Files, not HTML (their headers are checked by the tenancy matrix).
    "attachment-download": "a file the member of staff attached",
    "transfer-file": "the CP file's PDF or bundle",
    "incoming-file": "the received PDF or bundle",
    "signing-certificate-download": "a PEM certificate",
    "otp_webauthn:js-i18n-catalog": "JavaScript: the security-key script's words",
    "healthz": "JSON for load balancers",
    "metrics": "Prometheus's text format (a 404 without its token)",
    # Answers scripts, not people.
    "account-keep-alive": "the session-timeout script's ping (204, no body)",
    "transfer-progress": "a fragment the transfer page polls (htmx), inside that page",
}
# The platform administrator works in no school: the pages of the acting school are refused.
PLATFORM_NO_SCHOOL = {"who-to-call", "school-key-roles"}
# Never followed: signing out ends the crawl's session. (State-changing routes are POST-only
# and a link is a GET, so a crawl that follows links changes nothing else.)
NEVER_FOLLOW = {"logout"}
# The platform's Django admin (/platform-admin/) is Django's own markup, tested for what it
# shows in tests/safeguard/test_admin.py; the API answers programs (tests/api).
NOT_CRAWLED_NAMESPACES = {"admin", "api"}

# ---------------------------------------------------------------------------------------------
# Known failures (docs/adr/0047): none since issue 20's fixes landed. A failure listed here is
# reported but does not fail the tests; any other failure does. An entry that no longer fails
# fails the run too, so the lists only shrink. Keep them empty: fix the page instead.
# (URL name, axe rule id) -> who fixes it
KNOWN_AXE: dict[tuple[str, str], str] = {}
# URL name -> who fixes it (the page scrolls sideways at 320 px; issue 20, the layout work)
KNOWN_OVERFLOW: dict[str, str] = {}
# (URL name, start of the Nu message) -> who fixes it
KNOWN_NU: dict[tuple[str, str], str] = {}
# ---------------------------------------------------------------------------------------------


def _can_get(role: str) -> set[str]:
    """The URL names the tenancy matrix says this role GETs with a 200 (own school's objects)."""
    names = set()
    for name, route in ROUTES.items():
        if route.method != "get" or name in NOT_PAGES:
            continue
        if role == PLATFORM:
            # No school role: the public pages and those every role has (their own account).
            status = route.public if route.public is not None else 200
            if route.public is None and not _every_role_reaches(route):
                continue
            if name in PLATFORM_NO_SCHOOL:
                continue
        else:
            status = expected_status(route, role, "own")
        if status == 200:
            names.add(name)
    return names


def _every_role_reaches(route: Any) -> bool:
    return all(expected_status(route, role, "own") == route.ok for role in ROLES[1:-1])


@dataclass
class Visit:
    role: str
    url: str  # as asked for (path and query)
    name: str  # the URL name the page resolved to
    how: str  # "link", "listed" (from the URL names) or "empty form"
    status: int = 0
    final_url: str = ""
    html_file: Path | None = None
    axe: list[dict[str, Any]] = field(default_factory=list)  # serious and critical
    overflow: dict[str, Any] | None = None  # at 320 px: how wide, and the widest element
    error: str = ""
    seconds: float = 0.0


@dataclass
class Crawl:
    visits: list[Visit]
    reached: dict[str, set[str]]  # role -> URL names checked
    linked: dict[str, set[str]]  # role -> URL names reached by following links
    html_dir: Path
    seconds: float = 0.0


# Runs in the page: the document's width at 320 px and, when too wide, the element that sticks
# out furthest (inside no element that scrolls or clips sideways, which would contain it).
_OVERFLOW_JS = """
(limit) => {
  const root = document.documentElement;
  if (root.scrollWidth <= limit) return null;
  const clips = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    for (const c of el.classList) s += "." + c;
    const text = (el.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  let worst = null, right = limit;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= limit + 0.5) continue;
    if (box.right > right + 0.5 || (worst && worst.contains(el) && box.right >= right - 0.5)) {
      if (clips(el)) continue;
      worst = el; right = box.right;
    }
  }
  return {width: root.scrollWidth, element: worst ? describe(worst) : "(none found)",
          right: Math.round(right)};
}
"""

_AXE_JS = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 300)})),
  }));
}
"""

# Every link and GET form's address on the page (forms with their fields empty).
_LINKS_JS = """
() => [
  ...Array.from(document.querySelectorAll("a[href]"), (a) => a.href),
  ...Array.from(document.querySelectorAll("form"))
    .filter((f) => (f.getAttribute("method") || "get").toLowerCase() === "get")
    .map((f) => new URL(f.getAttribute("action") || "", location.href).href),
]
"""

# Empties a form the way a person who sends it untouched-or-cleared would, and sends it without
# the browser's own checks, so the server's error summary shows.
_EMPTY_FORM_JS = """
(index) => {
  const form = document.querySelectorAll("form")[index];
  form.noValidate = true;
  for (const el of form.elements) {
    if (el.type === "hidden" || el.type === "submit" || el.type === "button") continue;
    if (el.type === "checkbox" || el.type === "radio") el.checked = false;
    else if (el.tagName === "SELECT") el.selectedIndex = -1;
    else if (el.type !== "file") el.value = "";
  }
  form.requestSubmit();
}
"""

# POST forms worth sending empty: ones a person fills in (a field to type in or choose), sent
# back to the page they are on. Buttons alone (send, close, revoke, sign out) are left alone.
_FILLABLE_FORMS_JS = """
() => Array.from(document.querySelectorAll("form"), (f, i) => ({
  index: i,
  post: (f.getAttribute("method") || "get").toLowerCase() === "post",
  action: new URL(f.getAttribute("action") || "", location.href).href,
  fields: Array.from(f.elements).filter((el) =>
    ["TEXTAREA", "SELECT"].includes(el.tagName) ||
    (el.tagName === "INPUT" && !["hidden", "submit", "button", "file"].includes(el.type))
  ).length,
  visible: f.offsetParent !== null,
})).filter((f) => f.post && f.fields > 0 && f.visible)
"""


def _upstream(violation: dict[str, Any], node: dict[str, Any]) -> bool:
    """GOV.UK Frontend's conditional reveal (radios and checkboxes that show more questions) sets
    `aria-expanded` on the input, which ARIA 1.2 does not allow on a radio or checkbox: the
    Design System's own pattern, kept by its JavaScript, not our markup. Nothing else is let by."""
    return violation["id"] == "aria-allowed-attr" and bool(_GOVUK_REVEAL.match(node["html"]))


_GOVUK_REVEAL = re.compile(
    r'<input class="govuk-(radios|checkboxes)__input"[^>]* aria-controls="[^"]+" aria-expanded='
)


def _url_name(url: str, origin: str) -> str | None:
    """The URL name of a page of this site, or None for other sites, files and unknown paths."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != origin:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if set(match.namespaces) & NOT_CRAWLED_NAMESPACES:
        return None
    return match.view_name


class Crawler:
    def __init__(
        self, browser: Browser, origin: str, html_dir: Path, world: World, records: Any
    ) -> None:
        self.browser = browser
        self.world = world
        self.records = records
        self.origin = origin
        self.html_dir = html_dir
        self.visits: list[Visit] = []
        self.reached: dict[str, set[str]] = defaultdict(set)
        self.linked: dict[str, set[str]] = defaultdict(set)

    def context_for(self, role: str, user: Any) -> BrowserContext:
        context = self.browser.new_context(viewport=WIDE, locale="en-GB")
        context.set_default_timeout(30_000)
        # An init script comes from the DevTools protocol: the Content-Security-Policy does not
        # stop it (as tests/browser/conftest.py's violation reports).
        context.add_init_script(path=str(AXE))
        if user is not None:
            client = Client()
            force_login_with_second_factor(client, user)
            name = settings.SESSION_COOKIE_NAME
            context.add_cookies(
                [{"name": name, "value": client.cookies[name].value, "url": self.origin}]
            )
        return context

    def check(self, page: Page, visit: Visit, body: str) -> None:
        """axe, then 320 px, then keep the HTML the server sent."""
        visit.axe = []
        for violation in page.evaluate(_AXE_JS, AXE_TAGS):
            violation["nodes"] = [n for n in violation["nodes"] if not _upstream(violation, n)]
            if violation["impact"] in FAILING_IMPACTS and violation["nodes"]:
                visit.axe.append(violation)
        page.set_viewport_size({"width": NARROW, "height": 800})
        visit.overflow = page.evaluate(_OVERFLOW_JS, NARROW)
        page.set_viewport_size(WIDE)
        name = re.sub(r"[^a-z0-9-]+", "-", visit.name.lower())
        visit.html_file = self.html_dir / f"{len(self.visits):04d}-{visit.role}-{name}.html"
        visit.html_file.write_text(body, encoding="utf-8")

    def visit(self, page: Page, role: str, url: str, name: str, how: str) -> Visit:
        visit = Visit(role=role, url=url, name=name, how=how)
        self.visits.append(visit)
        started = time.monotonic()
        try:
            response = page.goto(self.origin + url)
        except PlaywrightError as error:  # a download, or a page that never finished
            visit.error = str(error).splitlines()[0]
            return visit
        assert response is not None
        visit.status = response.status
        visit.final_url = page.url
        if response.status != 200:
            return visit
        if "text/html" not in (response.headers.get("content-type") or ""):
            visit.error = f"not HTML: {response.headers.get('content-type')}"
            return visit
        self.reached[role].add(name)
        if how == "link":
            self.linked[role].add(name)
        self.check(page, visit, response.text())
        visit.seconds = time.monotonic() - started
        return visit

    def crawl(self, role: str, user: Any, can_get: set[str]) -> None:
        context = self.context_for(role, user)
        page = context.new_page()
        per_view: Counter[str] = Counter()
        seen: set[str] = set()
        queue: list[tuple[str, str, str]] = [("/" if user else reverse("login"), "", "link")]
        if role == ANON:
            queue.append((reverse("home"), "", "link"))  # to the sign-in page
        # The URL names the role may GET, with the world's objects: after the links, for any
        # view the links did not reach.
        listed = [(name, self.listed_url(name)) for name in sorted(can_get)]
        while queue or listed:
            if queue:
                url, _, how = queue.pop(0)
            else:
                name, url = listed.pop(0)
                how = "listed"
                if per_view[name]:
                    continue
            name = _url_name(self.origin + url, self.origin)
            if name is None or url in seen or name in NEVER_FOLLOW or name in NOT_PAGES:
                continue
            if per_view[name] >= PER_VIEW:
                continue
            seen.add(url)
            visit = self.visit(page, role, url, name, how)
            final = _url_name(visit.final_url, self.origin) if visit.final_url else None
            if final and final != name:  # a redirect: the page shown is another view's
                per_view[final] += 1
                seen.add(urlsplit(visit.final_url).path)
            per_view[name] += 1
            if visit.status != 200 or visit.error:
                continue
            for href in page.evaluate(_LINKS_JS):
                href = urldefrag(href).url
                parts = urlsplit(href)
                local = parts.path + (f"?{parts.query}" if parts.query else "")
                if _url_name(href, self.origin) and local not in seen:
                    queue.append((local, url, "link"))
        context.close()

    def listed_url(self, name: str) -> str:
        route = ROUTES[name]
        kwargs = route.kwargs(self.world, self.records, "own") if route.kwargs else None
        return reverse(name, kwargs=kwargs)

    def empty_forms(self, role: str, user: Any, done: set[str]) -> None:
        """The first fillable form of each view's page sent empty, once for all roles (the error
        summary's markup is the same whoever sends it): `done` holds the views already tried."""
        context = self.context_for(role, user)
        page = context.new_page()
        pages = [
            v
            for v in self.visits
            if v.role == role and v.status == 200 and v.html_file and v.how != "empty form"
        ]
        for source in pages:
            if source.name in done:
                continue
            done.add(source.name)
            try:
                page.goto(self.origin + source.url)
                forms = page.evaluate(_FILLABLE_FORMS_JS)
            except PlaywrightError:
                continue
            for form in forms:
                if _url_name(form["action"], self.origin) != source.name:
                    continue  # sent elsewhere (switching school, signing out)
                visit = Visit(role=role, url=source.url, name=source.name, how="empty form")
                self.visits.append(visit)
                try:
                    with page.expect_navigation() as navigation:
                        page.evaluate(_EMPTY_FORM_JS, form["index"])
                    response = navigation.value
                except PlaywrightError as error:
                    visit.error = str(error).splitlines()[0]
                    break
                visit.status = response.status if response else 0
                visit.final_url = page.url
                if (
                    response is not None
                    and response.status == 200
                    and response.request.method == "POST"
                ):
                    self.check(page, visit, response.text())
                break  # one form a page: the page has changed under the others
        context.close()


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker) -> Iterator[tuple[str, World, Any, dict[str, Any]]]:
    """The world, committed, and a live server of its own (not pytest-django's `live_server`,
    whose per-test database flush would empty the world after the first test)."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        world = make_world()
        records = make_records(world)
        from schools.models import User

        platform = User.objects.create_superuser(
            email="platform@safeguard.example", password=None, full_name="Platform Administrator"
        )
        app_for(platform)
        for user in world.users.values():
            app_for(user)
        users: dict[str, Any] = {**world.users, ANON: None, PLATFORM: platform}
        call_command("seed_demo", "--no-history", stdout=StringIO())
        for role, email in DEMO_ROLES.items():
            users[role] = User.objects.get(email=email)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            yield server.url, world, records, users
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            empty_tables()


@pytest.fixture(scope="module")
def crawl(
    site: tuple[str, World, Any, dict[str, Any]],
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
    django_db_blocker,
) -> Crawl:
    origin, world, records, users = site
    started = time.monotonic()
    crawler = Crawler(browser, origin, tmp_path_factory.mktemp("pages"), world, records)
    with django_db_blocker.unblock():
        for role in ROLES:
            crawler.crawl(role, users[role], _can_get(role))
        for role in DEMO_ROLES:
            crawler.crawl(role, users[role], set())
        done: set[str] = set()
        for role in [*ROLES, *DEMO_ROLES]:
            crawler.empty_forms(role, users[role], done)
    import os

    if os.environ.get("AXE_DUMP"):  # every page's results as JSON, to read them whole
        import dataclasses

        Path(os.environ["AXE_DUMP"]).write_text(
            json.dumps([dataclasses.asdict(v) for v in crawler.visits], default=str, indent=1)
        )
    return Crawl(
        visits=crawler.visits,
        reached=crawler.reached,
        linked=crawler.linked,
        html_dir=crawler.html_dir,
        seconds=time.monotonic() - started,
    )


def _report(lines: list[str], limit: int = 400) -> str:
    return "\n".join(lines[:limit]) + (
        f"\n... and {len(lines) - limit} more" if len(lines) > limit else ""
    )


def _not_checked(crawl: Crawl) -> list[str]:
    """Each URL name the role may GET (tenancy matrix) was checked, by link or from the list."""
    missing = []
    for role in ROLES:
        for name in sorted(_can_get(role) - crawl.reached[role]):
            why = next(
                (
                    f"{v.status} {v.error}".strip()
                    for v in crawl.visits
                    if v.role == role and v.name == name
                ),
                "not visited",
            )
            missing.append(f"{role}: {name} ({why})")
    return missing


def _where(visit: Visit) -> str:
    state = ", sent empty" if visit.how == "empty form" else ""
    return f"{visit.role} {visit.url} ({visit.name}{state})"


def _axe_failures(crawl: Crawl) -> list[str]:
    return [
        f"{_where(visit)}: {violation['impact']} {violation['id']} – {violation['help']}: "
        f"{node['target']}"
        for visit in crawl.visits
        for violation in visit.axe
        if (visit.name, violation["id"]) not in KNOWN_AXE
        for node in violation["nodes"]
    ]


def _overflow_failures(crawl: Crawl) -> list[str]:
    return [
        f"{_where(v)}: {v.overflow['width']} px wide; widest: {v.overflow['element']} "
        f"(to {v.overflow['right']} px)"
        for v in crawl.visits
        if v.overflow and v.name not in KNOWN_OVERFLOW
    ]


HTMX_ATTRIBUTE = re.compile(r"^Attribute “hx-[a-z:-]+” not allowed on element")


def _nu_messages(crawl: Crawl) -> list[dict[str, Any]]:
    """The Nu HTML Checker over the HTML of every page checked, in one run (one JVM)."""
    files = sorted(str(v.html_file) for v in crawl.visits if v.html_file)
    java = shutil.which("java")
    assert java, "Java is needed for the Nu HTML Checker: run `make test` to install it"
    result = subprocess.run(  # noqa: S603 (our own files, the pinned checker)
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return json.loads(result.stderr or result.stdout)["messages"]


def _nu_failures(crawl: Crawl) -> tuple[list[str], set[tuple[str, str]]]:
    """Every error but htmx's attributes and the known ones; and the known ones seen."""
    by_file = {str(v.html_file): v for v in crawl.visits if v.html_file}
    failures, known_seen = [], set()
    for message in _nu_messages(crawl):
        text = message.get("message", "")
        if HTMX_ATTRIBUTE.match(text):
            continue
        path = message.get("url", "").removeprefix("file:")
        visit = by_file.get(path)
        name = visit.name if visit else "?"
        known = [(n, start) for n, start in KNOWN_NU if name == n and text.startswith(start)]
        if known:
            known_seen.update(known)
            continue
        failures.append(
            f"{_where(visit) if visit else path} line {message.get('lastLine', '?')}: {text}"
            f" [{(message.get('extract') or '').strip()[:80]}]"
        )
    return failures, known_seen


def _statement_overclaims(crawl: Crawl) -> list[str]:
    """The accessibility statement's "How we tested" (safeguard/views.py TESTED) says no more
    than this run did: update TESTED from the figures printed when the checks change."""
    from safeguard.views import TESTED

    pages = Counter(v.role for v in crawl.visits if v.html_file and v.how != "empty form")
    figures = {
        "pages": sum(pages.values()),
        "fewest": pages[ANON],
        "most": pages["dsl"],
        "error_pages": sum(1 for v in crawl.visits if v.html_file and v.how == "empty form"),
    }
    print(f"checked in {crawl.seconds:.0f} s: {figures} {dict(pages)}")
    wrong = [f"roles with no page checked: {role}" for role in ROLES if not pages[role]]
    return wrong + [
        f"TESTED[{key!r}] is {TESTED[key]}, the run checked {figures[key]}"
        for key in figures
        if TESTED[key] > figures[key]
    ]


def _stale(crawl: Crawl, nu_known_seen: set[tuple[str, str]]) -> list[str]:
    """An entry of the known-failure lists that passes now is taken off them."""
    axe_found = {(v.name, a["id"]) for v in crawl.visits for a in v.axe}
    wide = {v.name for v in crawl.visits if v.overflow}
    return (
        [f"KNOWN_AXE {key}" for key in KNOWN_AXE if key not in axe_found]
        + [f"KNOWN_OVERFLOW {name!r}" for name in KNOWN_OVERFLOW if name not in wide]
        + [f"KNOWN_NU {key}" for key in KNOWN_NU if key not in nu_known_seen]
    )


def test_every_page_each_role_can_reach(crawl: Crawl) -> None:
    """One test for the whole run, so however pytest-xdist shares out the tests the crawl runs
    once; it reports every kind of failure together."""
    nu_failures, nu_known_seen = _nu_failures(crawl)
    sections = {
        "pages not checked": _not_checked(crawl),
        "serious or critical axe violations": _axe_failures(crawl),
        f"pages wider than {NARROW} px": _overflow_failures(crawl),
        "Nu HTML Checker errors": nu_failures,
        "the accessibility statement claims more than was tested": _statement_overclaims(crawl),
        "known failures that no longer fail (take them off the list)": _stale(crawl, nu_known_seen),
    }
    report = [
        f"{len(lines)} {title}:\n{_report(lines)}" for title, lines in sections.items() if lines
    ]
    assert not report, "\n\n".join(report)
