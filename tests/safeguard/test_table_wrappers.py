"""Tables that scroll sideways on a narrow screen are labelled regions a keyboard can reach
(WCAG 2.1.1): every template's wrapper has a role, a tab stop and a name, and the focus shows."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

WRAP = re.compile(r'<div class="app-table-wrap"[^>]*>')


def test_every_table_wrapper_is_a_labelled_focusable_region() -> None:
    templates = Path(settings.BASE_DIR) / "templates"
    found = 0
    for path in templates.rglob("*.html"):
        for wrapper in WRAP.findall(path.read_text()):
            found += 1
            assert 'role="region"' in wrapper, path
            assert 'tabindex="0"' in wrapper, path
            assert re.search(r'aria-label="[^"]+"', wrapper), path
    assert found >= 15
    scss = (Path(settings.BASE_DIR) / "assets/scss/app.scss").read_text()
    block = scss[scss.index(".app-table-wrap {") :]
    block = block[: block.index("\n}\n")]
    assert "&:focus" in block
    assert "outline:" in block
