"""Allegations in real Chromium: the headteacher links pupils by typing and ticking (keyboard
only), a report about the headteacher reveals the chair of governors, and the lists fit a phone."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from allegations.models import Allegation
from schools.models import Pupil
from tests.browser.conftest import sign_in

PHONE = {"width": 390, "height": 844}


def test_head_links_pupils_by_typing_and_ticking_with_the_keyboard(
    page: Page,
    live_server,
    demo,
) -> None:
    base = live_server.url
    roll = Pupil.objects.filter(school__slug="alderbrook", left_on__isnull=True)
    first, second = roll.order_by("legal_last_name")[0], roll.order_by("-legal_last_name")[0]
    sign_in(page, base, "head@alderbrook.example")
    page.goto(f"{base}/allegations/new/")
    page.get_by_label("Name of the adult").fill("Robin Example")
    page.get_by_role("radio", name="Member of staff").check()
    page.get_by_label("Reported by", exact=True).fill("A parent")
    page.get_by_label("What was alleged").fill("Pushed a pupil in the corridor.")

    pupils = page.get_by_test_id("allegation-pupils")
    expect(pupils.locator("select")).to_have_count(0)  # no multi-select to ctrl-click
    find = page.get_by_label("Find a pupil")
    expect(pupils.locator(".govuk-checkboxes__item:visible")).to_have_count(0)

    find.press_sequentially(first.legal_last_name[:4], delay=20)
    box = pupils.get_by_role("checkbox", name=f"{first.legal_last_name.upper()}, ")
    box = box.and_(page.locator(f"input[value='{first.pk}']"))
    expect(box).to_be_visible()
    for item in pupils.locator(".govuk-checkboxes__item:visible").all():
        expect(item).to_contain_text(first.legal_last_name[:4], ignore_case=True)
    find.press("Enter")  # does not send the form
    expect(page).to_have_url(f"{base}/allegations/new/")
    box.focus()
    page.keyboard.press("Space")
    expect(box).to_be_checked()

    find.fill("")
    find.press_sequentially(second.legal_first_name, delay=20)
    other = page.locator(f"input[value='{second.pk}']")
    expect(other).to_be_visible()
    other.focus()
    page.keyboard.press("Space")
    expect(box).to_be_visible()  # ticked pupils stay in view while searching for another
    expect(page.get_by_text("2 ticked")).to_be_visible()

    page.get_by_role("button", name="Record the allegation").click()
    expect(page.get_by_role("heading", name="Robin Example")).to_be_visible()
    allegation = Allegation.objects.get(subject_name="Robin Example")
    assert set(allegation.pupils.values_list("pupil_id", flat=True)) == {first.pk, second.pk}


def test_a_report_about_the_head_reveals_the_chair_of_governors(
    page: Page,
    live_server,
    demo,
) -> None:
    sign_in(page, live_server.url, "staff@alderbrook.example")
    page.goto(f"{live_server.url}/concerns-about-adults/new/")
    governor = page.get_by_label("Also send it in Safeguard to a governor (optional)")
    chair = page.get_by_test_id("chair-of-governors")
    expect(governor).to_be_hidden()
    expect(chair).to_be_hidden()
    page.get_by_role("radio", name="The headteacher").check()
    expect(chair).to_be_visible()
    expect(chair).to_contain_text("Margaret Hollis")
    expect(governor).to_be_visible()
    page.get_by_role("radio", name="Member of staff").check()
    expect(governor).to_be_hidden()


def test_allegation_pages_fit_a_phone(
    new_page,
    live_server,
    demo,
) -> None:
    page = new_page(viewport=PHONE)
    base = live_server.url
    sign_in(page, base, "head@alderbrook.example")
    open_one = Allegation.objects.get(school__slug="alderbrook", closed_at__isnull=True)
    for path in [
        "/low-level-concerns/",
        "/allegations/",
        f"/allegations/{open_one.pk}/",
        "/allegations/new/",
    ]:
        page.goto(f"{base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)


# Words in these cells that the browser split across two lines ("Contracto" / "r").
WORDS_BROKEN_ACROSS_LINES = """selector => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const word of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const lines = new Set(Array.from(range.getClientRects(), r => Math.round(r.top)));
        if (lines.size > 1) broken.push(word[0]);
      }
    }
  }
  return broken;
}"""


def _right_edge(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"]


def test_low_level_tables_on_a_phone_keep_words_whole_and_every_column_in_reach(
    new_page,
    live_server,
    demo,
) -> None:
    base = live_server.url
    page = new_page(viewport=PHONE)
    sign_in(page, base, "head@alderbrook.example")
    page.goto(f"{base}/low-level-concerns/")
    cells = "[data-testid^='low-level-'] :is(th, td)"
    assert page.evaluate(WORDS_BROKEN_ACROSS_LINES, cells) == []
    concerns = page.get_by_test_id("low-level-concerns")
    expect(concerns).to_contain_text("Contractor, Sports coach (contractor)")
    # At 390px the patterns' last column is on the screen, not cut off at the edge.
    patterns = page.get_by_test_id("low-level-patterns")
    wrap = patterns.locator("xpath=..")
    escalated = patterns.get_by_role("columnheader", name="Escalated")
    assert _right_edge(escalated) <= _right_edge(wrap)
    # Narrower still, the table scrolls inside its frame (which the keyboard can reach); the
    # page itself never scrolls sideways, and words still wrap whole.
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert page.evaluate(WORDS_BROKEN_ACROSS_LINES, cells) == []
    expect(wrap).to_have_attribute("tabindex", "0")
    expect(wrap).to_have_attribute("role", "region")
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")
    wrap.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("w => w.scrollLeft > 0", arg=wrap.element_handle())
    wrap.evaluate("w => { w.style.scrollBehavior = 'auto'; w.scrollLeft = w.scrollWidth; }")
    assert _right_edge(escalated) <= _right_edge(wrap) + 1
