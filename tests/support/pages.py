"""Reading a page as a person sees it: its text, and the error shown beside a field."""

from __future__ import annotations

import re
from typing import Any


def page_text(response: Any) -> str:
    """The page's HTML with every run of whitespace made one space (templates wrap anywhere)."""
    return re.sub(r"\s+", " ", response.content.decode())


def error_beside(body: str, field: str, message: str) -> None:
    """The message is shown as the field's GOV.UK error message, next to it."""
    assert f'id="id_{field}-error" class="govuk-error-message"' in body, f"no error for {field}"
    assert message in body, f"{message!r} is not on the page"
