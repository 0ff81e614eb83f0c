"""The platform's Django admin shows no child's data on any page it can reach (docs/adr/0025).

The demo is seeded, a platform superuser signs in, and every admin page is opened: the index,
each app, and for every registered model its list, add page and, for its rows, the change, history
and delete-confirmation pages (and a user's password page). No page may show a pupil's name
(legal or preferred) or UPN, a concern's words, or a family contact's name, none
may fail, and each carries the security policies (docs/adr/0029).
"""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import Client
from django.urls import NoReverseMatch, reverse

from concerns.models import Concern
from contacts.models import FamilyContact
from schools.models import Pupil, School, Trust
from tests.support.factories import UserFactory
from tests.support.headers import assert_security_headers, inline_script_hashes

ROWS_PER_MODEL = 8


@pytest.fixture
def demo(db) -> None:
    call_command("seed_demo", "--no-history", stdout=StringIO())


def _childrens_data() -> set[str]:
    """Every string that would show a child's record: names, UPNs, concern words, contacts."""
    found: set[str] = set()
    for p in Pupil.objects.all():
        found.add(f"{p.legal_first_name} {p.legal_last_name}")
        found.add(f"{p.legal_last_name}, {p.legal_first_name}")
        if p.preferred_first_name:
            found.add(f"{p.preferred_first_name} {p.preferred_last_name or p.legal_last_name}")
        if p.upn:
            found.add(p.upn)
    for concern in Concern.objects.exclude(account=""):
        found.add(concern.account.strip()[:40])
    for contact in FamilyContact.objects.all():
        found.add(contact.name)
    return {s for s in found if len(s) >= 6}


def _admin_urls(client: Client) -> list[str]:
    urls = [reverse("admin:index")]
    for model, _model_admin in admin.site._registry.items():
        opts = model._meta
        name = f"admin:{opts.app_label}_{opts.model_name}"
        urls.append(reverse("admin:app_list", kwargs={"app_label": opts.app_label}))
        urls.append(reverse(f"{name}_changelist"))
        urls.append(reverse(f"{name}_add"))
        rows: list[Any] = list(model._default_manager.all()[:ROWS_PER_MODEL])
        if model in (School, Trust):
            rows = list(model._default_manager.all())
        for row in rows:
            for page in ("change", "history", "delete"):
                urls.append(reverse(f"{name}_{page}", args=[row.pk]))
            for extra in ("invite", "password_change", "password_reset"):
                try:
                    urls.append(reverse(f"{name}_{extra}", args=[row.pk]))
                except NoReverseMatch:
                    pass
    return urls


def test_no_admin_page_shows_a_childs_data(client: Client, demo: None) -> None:
    # The platform administrator's own name is on every page: one no child or contact has
    # (a generated name once matched a demo family contact's).
    secrets = _childrens_data()
    # The demo has children, concerns and contacts to find: otherwise this test could not fail.
    assert Pupil.objects.count() > 100
    assert Concern.objects.exclude(account="").exists()
    assert FamilyContact.objects.exists()
    client.force_login(
        UserFactory(
            is_superuser=True,
            is_staff=True,
            email="root@platform.example",
            full_name="Platform Root",
        )
    )
    urls = _admin_urls(client)
    assert len(urls) > 100
    for url in urls:
        response = client.get(url, follow=True)
        assert response.status_code in (200, 403), (url, response.status_code)
        body = response.content.decode()
        shown = [s for s in secrets if s in body]
        assert not shown, (url, shown[:3])
        # Both security policies, exactly; an inline script only where allowed by its hash.
        assert_security_headers(response, script_hashes=inline_script_hashes(body))


def test_deleting_a_school_with_records_is_refused_without_a_list(
    client: Client, demo: None
) -> None:
    school = School.objects.get(slug="alderbrook")
    client.force_login(
        UserFactory(
            is_superuser=True,
            is_staff=True,
            email="root@platform.example",
            full_name="Platform Root",
        )
    )
    url = reverse("admin:schools_school_delete", args=[school.pk])
    page = client.get(url, follow=True)
    body = page.content.decode()
    assert "Alderbrook Primary cannot be deleted: it holds" in body
    assert "pupils" in body
    assert "Are you sure" not in body
    refused = client.post(url, {"post": "yes"}, follow=True)
    assert "cannot be deleted" in refused.content.decode()
    assert School.objects.filter(pk=school.pk).exists()
    trust = school.trust
    trust_page = client.get(reverse("admin:schools_trust_delete", args=[trust.pk]), follow=True)
    assert "Northgate Learning Trust cannot be deleted" in trust_page.content.decode()
    assert Trust.objects.filter(pk=trust.pk).exists()
