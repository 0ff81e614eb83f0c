"""Reflow, landmarks and heading order in real Chromium (WCAG 2.2 AA; issue 20).

At 320 CSS pixels wide (WCAG 1.4.10) no page scrolls sideways, even with the names that made them
wide: an unbroken 35-letter surname, double-barrelled names, a long school name, an email address
of 90 characters, an action written as one long web address. A wide table scrolls inside its own
labelled region (`.app-table-wrap`), never the page. The school bar sits in the banner and a back
link in a navigation landmark (docs/architecture.md, "Page layout"), and no heading skips a level.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page

from chronology.models import ChronologyEntry
from concerns.models import Action, Category, Concern, ConcernStatus
from schools.models import Pupil, School, SchoolMembership, User
from tests.browser.conftest import sign_in

LONG_WORD = "Wolfeschlegelsteinhausenbergerdorff"
LONG_EMAIL = (
    "bartholomew.featherstonehaugh-wolstenholme@alderbrook-church-of-england-primary.example"
)
LONG_CATEGORY = "At risk of suspension or exclusion from school, or in alternative provision"
LONG_URL = "https://example.org/children-services/referrals/guidance/" + "a" * 60

# The page's width beyond the window, and what sticks out (for the failure message).
OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.right <= doc.clientWidth + 0.5 || !r.width) continue;
    let clipped = false;
    for (let p = el.parentElement; p; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') { clipped = true; break; }
    }
    if (!clipped) wide.push(el.tagName + '.' + el.className + ' ' + (el.textContent || '').trim().slice(0, 40));
  }
  // A word wider than its box sticks out of it while the box itself fits: find the text.
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(n);
    if (range.getBoundingClientRect().right > doc.clientWidth + 0.5 && n.parentElement.getClientRects().length
        && !n.parentElement.closest('.govuk-visually-hidden')) wide.push('text: ' + n.textContent.trim().slice(0, 40));
  }
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide.slice(0, 5)};
}"""

# Every label of every bar chart: whole on the screen, and clear of the bars and other labels.
CHART_LABELS = """() => {
  const problems = [];
  const labels = [];
  for (const svg of document.querySelectorAll('svg.app-chart__svg')) {
    const box = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll('rect')].map(r => r.getBoundingClientRect());
    for (const text of svg.querySelectorAll('text.app-chart__label')) {
      const r = text.getBoundingClientRect();
      labels.push(text.textContent);
      // (A glyph such as "Y" may overhang the chart's left edge by a pixel, inside the page's margin.)
      if (r.left < box.left - 2 || r.right > box.right + 0.5) problems.push('cut off: ' + text.textContent);
      for (const b of bars) {
        if (b.width && r.left < b.right && b.left < r.right && r.top < b.bottom - 0.5 && b.top < r.bottom - 0.5) problems.push('over a bar: ' + text.textContent);
      }
    }
  }
  return {labels, problems};
}"""

# Each heading's level in the order of the page; a jump of more than one level down is a skip.
HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .filter(h => h.getClientRects().length || h.closest('.govuk-visually-hidden'))
  .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 40)])"""

# The landmark an element sits in, as the accessibility tree sees it (null: none).
LANDMARK = """(el) => {
  for (let p = el; p; p = p.parentElement) {
    const tag = p.tagName.toLowerCase();
    const role = p.getAttribute('role');
    if (['banner', 'main', 'navigation', 'contentinfo', 'region', 'complementary', 'search', 'form'].includes(role)) return role;
    if (tag === 'main') return 'main';
    if (tag === 'nav') return 'navigation';
    if (tag === 'header' && !p.parentElement.closest('main, article, aside, nav, section')) return 'banner';
    if (tag === 'footer' && !p.parentElement.closest('main, article, aside, nav, section')) return 'contentinfo';
    if (tag === 'section' && (p.hasAttribute('aria-label') || p.hasAttribute('aria-labelledby'))) return 'region';
  }
  return null;
}"""


def _no_sideways_scrolling(page: Page, what: str) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["client"], (
        f"{what} scrolls sideways at {found['client']}px: {found['scroll']}px wide; {found['wide']}"
    )


def _no_skipped_heading(page: Page, what: str) -> None:
    levels = page.evaluate(HEADINGS)
    assert levels, what
    for (before, _), (level, text) in zip(levels, levels[1:], strict=False):
        assert level <= before + 1, f"{what}: h{before} then h{level} ({text!r})"


def _in_landmarks(page: Page, what: str) -> None:
    bar = page.locator(".app-school-bar")
    if bar.count():
        assert bar.evaluate(LANDMARK) == "banner", f"{what}: the school bar is outside the banner"
    for link in page.locator(".govuk-back-link").all():
        assert link.evaluate(LANDMARK) in {"navigation", "main"}, f"{what}: a back link outside"


def _check(page: Page, url: str, what: str) -> None:
    response = page.goto(url)
    assert response is not None, what
    assert response.status == 200, what
    _no_sideways_scrolling(page, what)
    _in_landmarks(page, what)
    _no_skipped_heading(page, what)


@pytest.fixture
def wide_demo(demo) -> dict[str, object]:
    """The demo with the names that made pages wide."""
    school = School.objects.get(slug="alderbrook")
    school.name = "Alderbrook Church of England Voluntary Aided Primary School"
    school.save(update_fields=["name"])
    for n, pupil in enumerate(Pupil.objects.filter(school=school).order_by("pk")):
        if n % 2:
            pupil.legal_last_name = "Featherstonehaugh-Wolstenholme"
        else:
            pupil.legal_first_name, pupil.legal_last_name = "Maximilian-Alexander", LONG_WORD
        pupil.preferred_first_name = pupil.preferred_last_name = ""
        pupil.save()
    for email in ("dsl@alderbrook.example", "staff@alderbrook.example"):
        User.objects.filter(email=email).update(full_name=f"Alexandrina {LONG_WORD}")
    colleague = User.objects.create_user(
        email=LONG_EMAIL, full_name="Bartholomew Featherstonehaugh-Wolstenholme"
    )
    SchoolMembership.objects.create(user=colleague, school=school, role="staff")
    concern = (
        Concern.objects.filter(school=school, involvements__isnull=False)
        .exclude(status=ConcernStatus.DRAFT)
        .order_by("-written_at")
        .first()
    )
    assert concern is not None
    dsl = User.objects.get(email="dsl@alderbrook.example")
    Action.objects.create(
        school=school,
        concern=concern,
        description=f"Read the guidance at {LONG_URL} and ring the family",
        owner=colleague,
        due_on=timezone.localdate() + datetime.timedelta(days=3),
        created_by=dsl,
    )
    category = Category.objects.filter(parent__isnull=True, retired_at__isnull=True).first()
    assert category is not None
    category.name = LONG_CATEGORY
    category.save(update_fields=["name"])
    entry = ChronologyEntry.objects.filter(school=school).order_by("-occurred_at").first()
    assert entry is not None
    return {"concern": concern, "pupil": entry.pupil}


def test_pages_reflow_at_320_pixels_with_long_names(
    new_page: Callable[..., Page], live_server, wide_demo: dict[str, object]
) -> None:
    base = live_server.url
    concern = wide_demo["concern"]
    pupil = wide_demo["pupil"]

    dsl = new_page(viewport={"width": 320, "height": 640})
    sign_in(dsl, base, "dsl@alderbrook.example")
    _no_sideways_scrolling(dsl, "home")
    for what, url in [
        ("the triage inbox", reverse("triage-inbox")),
        ("the referral list", reverse("referral-list")),
        ("the pupil list", reverse("pupil-list")),
        ("a concern with actions", reverse("concern-detail", kwargs={"pk": concern.pk})),
        ("the pupil's safeguarding page", reverse("pupil-safeguarding", kwargs={"pk": pupil.pk})),
        ("the pupil's chronology", reverse("pupil-chronology", kwargs={"pk": pupil.pk})),
        ("the school dashboard", reverse("school-dashboard")),
        ("who to call", reverse("who-to-call")),
        ("the staff list", reverse("staff-list")),
    ]:
        _check(dsl, base + url, what)
    # The dashboard's charts: the long category's label on lines of its own, none cut off or
    # over a bar.
    dsl.goto(base + reverse("school-dashboard"))
    charts = dsl.evaluate(CHART_LABELS)
    assert LONG_CATEGORY in charts["labels"]
    assert not charts["problems"]

    # The actions table, wider than the phone with the long web address, scrolls in its own
    # region, which a keyboard reaches (a tab stop) and a screen reader names.
    dsl.goto(base + reverse("concern-detail", kwargs={"pk": concern.pk}))
    actions = dsl.get_by_role("region", name="Actions")
    assert actions.get_attribute("tabindex") == "0"
    assert actions.get_by_role("table").is_visible()
    assert actions.evaluate("el => getComputedStyle(el).overflowX") == "auto"

    # The print view: a main landmark, nothing sideways on a phone.
    dsl.goto(base + reverse("pupil-chronology-print", kwargs={"pk": pupil.pk}))
    assert dsl.locator("main").count() == 1
    assert dsl.get_by_role("main").get_by_role("heading", level=1).is_visible()
    _no_sideways_scrolling(dsl, "the chronology print")
    _no_skipped_heading(dsl, "the chronology print")

    staff = new_page(viewport={"width": 320, "height": 640})
    sign_in(staff, base, "staff@alderbrook.example")
    _check(staff, base + reverse("concern-mine"), "My concerns")
    assert staff.get_by_role("region", name="My concerns").is_visible()


def test_who_to_call_headings_and_landmarks_on_a_desk(
    new_page: Callable[..., Page], live_server, demo
) -> None:
    """The back link and the school bar are in landmarks at a desk's width too; "Who to call"
    goes h1, h2, h3."""
    base = live_server.url
    page = new_page(viewport={"width": 1280, "height": 900})
    sign_in(page, base, "dsl@alderbrook.example")
    _check(page, base + reverse("who-to-call"), "who to call")
    levels = [level for level, _ in page.evaluate(HEADINGS)]
    assert levels[:3] == [1, 2, 3]
    pupil = Pupil.objects.filter(school__slug="alderbrook").first()
    assert pupil is not None
    page.goto(base + reverse("pupil-detail", kwargs={"pk": pupil.pk}))
    back = page.get_by_role("navigation", name="Back").get_by_role("link")
    assert back.count() == 1
    assert page.get_by_role("banner").locator(".app-school-bar").count() == 1
    assert page.locator("main .govuk-back-link, nav[aria-label=Back] .govuk-back-link").count() == 1
