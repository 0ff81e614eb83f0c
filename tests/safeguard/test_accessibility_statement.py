"""The accessibility statement (docs/adr/0047): public, in GOV.UK's format, linked from the footer
of every page, saying no more than the automated checks did."""

from __future__ import annotations

import pytest
from django.urls import reverse

from safeguard.views import TESTED
from tests.support.auth import force_login_password_only

pytestmark = pytest.mark.django_db

STATEMENT = "/accessibility/"

# The sections of GOV.UK's sample accessibility statement, in its order.
SECTIONS = [
    "Accessibility statement for Safeguard",
    "How accessible this service is",
    "Feedback and contact information",
    "Reporting accessibility problems with this service",
    "Enforcement procedure",
    "Technical information about this service's accessibility",
    "Compliance status",
    "Non-accessible content",
    "Non-compliance with the accessibility regulations",
    "Disproportionate burden",
    "What we're doing to improve accessibility",
    "Preparation of this accessibility statement",
    "How we tested this service",
]


def test_the_statement_is_public_and_in_the_gov_uk_format(client) -> None:
    assert reverse("accessibility-statement") == STATEMENT
    response = client.get(STATEMENT)
    assert response.status_code == 200
    body = response.content.decode()
    positions = [body.find(f">{section}</h") for section in SECTIONS]
    assert -1 not in positions, [s for s, p in zip(SECTIONS, positions, strict=True) if p == -1]
    assert positions == sorted(positions), "sections out of GOV.UK's order"
    assert "partially compliant with the" in body
    assert "Web Content Accessibility Guidelines version 2.2</a> AA standard" in body
    assert "Equality and Human Rights Commission (EHRC)" in body
    assert "Equality Commission for Northern Ireland" in body
    assert f"more than {TESTED['pages']} page views" in body
    assert f"axe-core {TESTED['axe_version']}" in body


def test_without_an_address_the_statement_sends_people_to_their_school(client, settings) -> None:
    settings.ACCESSIBILITY_CONTACT_EMAIL = ""
    body = client.get(STATEMENT).content.decode()
    assert "mailto:" not in body
    assert "ask your school office or your trust's data protection officer" in body
    settings.ACCESSIBILITY_CONTACT_EMAIL = "access@trust.example"
    body = client.get(STATEMENT).content.decode()
    assert 'href="mailto:access@trust.example"' in body


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_links_to_the_statement_from_its_footer(client, world, signed_in) -> None:
    if signed_in:
        client.force_login(world.users["dsl"])
    page = reverse("home") if signed_in else reverse("login")
    body = client.get(page).content.decode()
    footer = body[body.index('<footer class="govuk-footer">') :]
    assert f'<a class="govuk-footer__link" href="{STATEMENT}">Accessibility statement</a>' in footer


def test_someone_half_way_through_signing_in_can_read_it(client, world) -> None:
    """Before the second factor every other page sends them to it; not this one."""
    force_login_password_only(client, world.users["dsl"])
    assert client.get(reverse("home")).status_code == 302
    assert client.get(STATEMENT).status_code == 200
