"""Content-Security-Policy and Permissions-Policy (issue 16, docs/adr/0029).

Every response carries both (the tenancy matrix checks every route for every role, the admin crawl
every admin page); here, the responses no view makes (a refused upload, a static file, a 404),
the one admin page allowed an inline script by its hash, and the templates, which must hold no
inline script, event-handler attribute or inline style for the policy to refuse.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import UserFactory
from tests.support.headers import (
    assert_security_headers,
    csp_directives,
    inline_script_hashes,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Rendered by WeasyPrint into the CP file's PDF, never served to a browser (transfers/export/pdf.py).
PDF_ONLY = {TEMPLATES / "transfers" / "pdf" / "cp_file.html"}


def test_anonymous_pages_and_errors_carry_both_policies(client: Client, db) -> None:
    for url, status in [
        (reverse("login"), 200),
        (reverse("password_reset"), 200),
        (reverse("home"), 302),
        (reverse("healthz"), 200),
        ("/no-such-page/", 404),
    ]:
        response = client.get(url)
        assert response.status_code == status, url
        assert_security_headers(response)


def test_a_signed_in_page_carries_both_policies(client: Client, world) -> None:
    client.force_login(world.users["dsl"])
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert_security_headers(response)


def test_a_refused_upload_carries_both_policies(client: Client, settings, db) -> None:
    """The 413 is answered before any other middleware runs: the policies are still on it."""
    settings.MAX_REQUEST_BYTES = 1024
    response = client.post(reverse("login"), {"username": "x" * 4096})
    assert response.status_code == 413
    assert_security_headers(response)


def test_static_files_carry_both_policies(client: Client) -> None:
    response = client.get("/static/js/app.js")
    assert response.status_code == 200
    assert_security_headers(response)


def test_the_admin_index_gets_the_same_policy(client: Client, db) -> None:
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    assert not inline_script_hashes(response.content.decode())
    assert_security_headers(response)


@pytest.mark.parametrize("page", ["add", "change"])
def test_the_scheduler_form_may_run_its_one_inline_script(client: Client, db, page: str) -> None:
    """django-celery-beat's periodic-task form explains a crontab in words with an inline script:
    that script, by its hash, is the only one allowed, and only on that form."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    task = PeriodicTask.objects.create(
        name="A task",
        task="safeguard.notifications_relay",
        interval=IntervalSchedule.objects.create(every=60, period=IntervalSchedule.SECONDS),
    )
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    args = [task.pk] if page == "change" else []
    response = client.get(reverse(f"admin:django_celery_beat_periodictask_{page}", args=args))
    assert response.status_code == 200
    hashes = inline_script_hashes(response.content.decode())
    assert len(hashes) == 1
    assert_security_headers(response, script_hashes=hashes)

    listing = client.get(reverse("admin:django_celery_beat_periodictask_changelist"))
    assert csp_directives(listing)["script-src"] == ["'self'"]


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if p not in PDF_ONLY)


def test_there_are_templates_to_scan() -> None:
    assert len(_templates()) > 100


# What the policy refuses, as it would appear in a template.
REFUSED = {
    # A <script> with neither src nor type="application/json": inline code.
    "inline script": r"<script(?![^>]*\bsrc=)(?![^>]*\btype=[\"']application/json[\"'])[^>]*>",
    "event-handler attribute": r"<[^>]*\son[a-z]+\s*=",
    "htmx hx-on attribute (code)": r"\bhx-on[:-]",
    "htmx trigger filter (code)": r"hx-trigger=\"[^\"]*\[",
    "htmx js: values (code)": r"hx-(vals|vars)=[\"']\s*(js|javascript):",
    "javascript: URL": r"javascript:",
    "style attribute": r"<[^>]*\sstyle\s*=",
    "style element": r"<style\b",
}


@pytest.mark.parametrize("what", REFUSED)
def test_no_template_holds_what_the_policy_refuses(what: str) -> None:
    found = []
    for path in _templates():
        text = path.read_text()  # whole, for tags that run over several lines
        for match in re.finditer(REFUSED[what], text, re.I):
            found.append(
                f"{path.relative_to(TEMPLATES)}:{text.count(chr(10), 0, match.start()) + 1}"
            )
    assert not found, f"{what} in {found}"


@pytest.mark.parametrize(
    ("what", "line"),
    [
        ("inline script", "<script>alert(1)</script>"),
        ("inline script", '<script type="module">import "x";</script>'),
        ("event-handler attribute", '<button class="b" onclick="go()">Go</button>'),
        ("event-handler attribute", '<button class="b"\n        onclick="go()">Go</button>'),
        ("htmx hx-on attribute (code)", '<input hx-on:click="go()">'),
        ("htmx trigger filter (code)", "<input hx-trigger=\"keyup[key=='Enter']\">"),
        ("htmx js: values (code)", '<form hx-vals="js:{a: 1}">'),
        ("javascript: URL", '<a href="javascript:go()">'),
        ("style attribute", '<p class="x" style="color: red">'),
        ("style element", "<style>p {}</style>"),
    ],
)
def test_the_template_scan_finds_each_kind(what: str, line: str) -> None:
    """Each pattern finds what it is meant to, so the scan can fail."""
    assert re.search(REFUSED[what], line, re.I)


@pytest.mark.parametrize(
    "line",
    [
        '<script src="/static/js/app.js" defer></script>',
        '<script type="module" src="/static/js/govuk-frontend-init.js"></script>',
        '<script type="application/json" id="config">{}</script>',
        '<button type="button" class="govuk-button" data-module="govuk-button">',
        '<input hx-trigger="input changed delay:250ms, pupil-search">',
    ],
)
def test_the_template_scan_passes_what_the_policy_allows(line: str) -> None:
    assert not [what for what, pattern in REFUSED.items() if re.search(pattern, line, re.I)]
