"""Lists of concerns (my concerns, the triage inbox): concerns submitted for them, and reading a
page's concerns and its Previous and Next links as the browser follows them."""

from __future__ import annotations

import html
import re
from typing import Any

from django.urls import reverse

from concerns import services
from concerns.models import Concern
from tests.concerns.conftest import draft


def paging_link(page: str, rel: str) -> str | None:
    """The page's Previous or Next link (rel "prev" or "next"), as the browser follows it."""
    found = re.search(rf'href="(\?[^"]*)" rel="{rel}"', page)
    return html.unescape(found.group(1)) if found else None


def concerns_shown(page: str, concerns: list[Concern]) -> list[Concern]:
    """The concerns the page links to, in the page's order."""
    at = {}
    for concern in concerns:
        for name in ("concern-detail", "concern-draft"):
            url = f'href="{reverse(name, kwargs={"pk": concern.pk})}"'
            if url in page:
                at[page.index(url)] = concern
    return [at[i] for i in sorted(at)]


def submitted(author: Any, pupils: list[Any], categories: Any, **kwargs: Any) -> Concern:
    """A concern drafted (tests/concerns/conftest.py `draft`) and submitted by `author`."""
    return services.concern_submit(
        actor=author, concern=draft(author, pupils, categories, **kwargs)
    )
