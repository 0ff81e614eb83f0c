"""The template rules of docs/architecture.md, "Page layout" (WCAG 1.3.1 and 1.4.10; issue 20):
every data table sits in a scrolling `.app-table-wrap` region, everything above <main> sits in a
landmark (the school bar in the banner, a back link in a navigation landmark labelled "Back")."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.support.world import World

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Documents for paper, not screens: the transfer PDF and the chronology's and a concern's print
# views lay out on A4 (the print views have their own narrow-screen rules in static/app/print.css,
# and the accessibility run checks them at 320 px).
PAPER = {"transfers/pdf/cp_file.html", "chronology/print.html", "concerns/print.html"}
BLOCK = re.compile(r"\{% block before_content %\}(.*?)\{% endblock %\}", re.S)


def _screen_templates() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(TEMPLATES)), path.read_text())
        for path in sorted(TEMPLATES.rglob("*.html"))
        if str(path.relative_to(TEMPLATES)) not in PAPER
    ]


def test_every_table_scrolls_in_its_own_region() -> None:
    checked = 0
    for name, text in _screen_templates():
        for table in re.finditer(r"<table\b", text):
            before = text[: table.start()]
            wrap = before.rfind('class="app-table-wrap"')
            assert wrap != -1, f"{name}: a table outside an app-table-wrap region"
            assert "</table>" not in before[wrap:], f"{name}: a table outside its region"
            checked += 1
    assert checked >= 30


def test_every_back_link_above_main_is_in_a_navigation_landmark() -> None:
    blocks = 0
    for name, text in _screen_templates():
        for block in BLOCK.findall(text):
            if name == "base.html":
                continue
            blocks += 1
            assert block.startswith('<nav class="app-back-link-nav" aria-label="Back">'), name
            assert block.endswith("</nav>"), name
    assert blocks >= 60


def test_the_school_bar_and_menu_are_in_the_banner(client: Client, world: World) -> None:
    client.force_login(world.users["dsl"])
    body = client.get(reverse("home")).content.decode()
    start = body.index('<header class="govuk-template__header">')
    end = body.index("</header>", start)
    header = body[start:end]
    assert 'class="app-school-bar"' in header
    assert 'class="govuk-service-navigation"' in header
    assert "<header" not in header[1:]  # one banner, not nested
    assert body.index('<main class="govuk-main-wrapper"') > end
