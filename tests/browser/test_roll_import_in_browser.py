"""Import a roll, in real Chromium: the school administrator uploads the sample CSV, matches the
columns, checks the preview, applies it and finds a new pupil in the pupil list."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

from schools.models import Pupil
from tests.browser.conftest import sign_in

SAMPLE = Path(settings.BASE_DIR) / "fixtures" / "roll-sample.csv"


def test_admin_imports_a_roll(page: Page, live_server, demo) -> None:
    base = live_server.url
    sign_in(page, base, "admin@alderbrook.example")
    page.get_by_test_id("home-roll-import").click()
    expect(page.get_by_role("heading", name="Import the pupil roll")).to_be_visible()
    page.get_by_role("link", name="Upload a file").click()

    # Nothing chosen: the errors beside the fields, in the summary too.
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#id_file-error")).to_contain_text("Choose the file to upload")

    page.get_by_label("CSV file (a spreadsheet export from the MIS)").check()
    page.get_by_label("Joiners only", exact=False).check()
    page.get_by_label("Upload the file").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="Upload and check").click()

    expect(page.get_by_role("heading", name="Match the columns")).to_be_visible()
    # Suggested from the MIS's headings.
    expect(page.get_by_label("Legal surname")).to_have_value("1")
    expect(page.get_by_label("Date of birth")).to_have_value("5")
    expect(page.get_by_label("Looked after")).to_have_value("14")
    page.get_by_role("button", name="Check the file").click()

    expect(
        page.get_by_role("heading", name="Check the changes before you apply them")
    ).to_be_visible()
    expect(page.get_by_test_id("count-joiners")).to_have_text("3")
    expect(page.get_by_test_id("count-changes")).to_have_text("3")
    expect(page.get_by_test_id("count-leavers")).to_have_text("0")
    expect(page.get_by_test_id("import-joiners")).to_contain_text("Zoë O’Brien")
    # Names wrap between words, never inside one ("O'Brie|n"): each word is on one line.
    for word in ("Zoë", "O’Brien"):
        assert _lines_of(page, "import-joiners", word) == 1, word
    expect(page.get_by_test_id("import-changes")).to_contain_text("Registration group: 1B")
    assert not Pupil.objects.filter(legal_first_name="Zoë").exists()

    page.get_by_role("button", name="Apply the changes").click()
    expect(page.get_by_text("The roll was updated: 3 joined, 3 changed, 0 left.")).to_be_visible()
    expect(page.get_by_role("heading", name="What the import changed")).to_be_visible()

    page.goto(f"{base}/pupils/")
    page.get_by_label("Search pupils").fill("Zoe")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="O’BRIEN, Zoë")).to_be_visible()
    zoe = Pupil.objects.get(legal_first_name="Zoë")
    assert zoe.school.slug == "alderbrook"
    assert zoe.upn == "X881245619001"

    page.goto(f"{base}/pupils/import/")
    expect(page.get_by_test_id("roll-imports")).to_contain_text("roll-sample.csv")
    expect(page.get_by_test_id("roll-imports")).to_contain_text("Applied")
    # On a phone the file name keeps whole, not three letters a line.
    page.set_viewport_size({"width": 390, "height": 800})
    assert _lines_of(page, "roll-imports", "roll-sample.csv") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def _lines_of(page: Page, test_id: str, word: str) -> int:
    """How many lines the first `word` in the element takes as laid out (1 unless it breaks)."""
    return page.evaluate(
        """([testId, word]) => {
          const root = document.querySelector(`[data-testid="${testId}"]`);
          const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
          while (walker.nextNode()) {
            const at = walker.currentNode.data.indexOf(word);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(walker.currentNode, at);
            range.setEnd(walker.currentNode, at + word.length);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
          }
          return 0;
        }""",
        [test_id, word],
    )
