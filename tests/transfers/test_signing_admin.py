"""The platform admin sees trust CAs and school signing keys read-only, never the private key."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support.factories import UserFactory
from tests.support.world import World
from transfers.models import SigningKey, TrustCertificateAuthority
from transfers.signing import keys as signing

pytestmark = pytest.mark.django_db


def test_admin_shows_keys_without_key_material(client, world: World) -> None:
    key = signing.signing_key_generate(actor=None, school=world.school, issuer="trust")
    ca = TrustCertificateAuthority.objects.get()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    listing = client.get(reverse("admin:transfers_signingkey_changelist"))
    assert listing.status_code == 200
    assert "Alpha School Designated Safeguarding Lead" in listing.content.decode()
    for url in (
        reverse("admin:transfers_signingkey_change", args=[key.pk]),
        reverse("admin:transfers_trustcertificateauthority_change", args=[ca.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "BEGIN CERTIFICATE" in body
        assert "PRIVATE KEY" not in body
        assert "private_key_encrypted" not in body
        assert 'name="_save"' not in body  # read-only
    assert client.get(reverse("admin:transfers_signingkey_add")).status_code == 403
    ca_delete = reverse("admin:transfers_trustcertificateauthority_delete", args=[ca.pk])
    assert client.post(ca_delete, {"post": "yes"}).status_code == 403
    assert SigningKey.objects.filter(pk=key.pk).exists()


def test_seed_demo_gives_every_school_a_key_from_the_trust_ca_once() -> None:
    from django.utils import timezone

    from demo.seed import seed_demo
    from schools.models import School

    seed_demo(password="demo-password-123", today=timezone.localdate(), history=False)
    keys = {k.school.slug: k for k in SigningKey.objects.select_related("school", "created_by")}
    assert set(keys) == set(School.objects.values_list("slug", flat=True))
    ca = TrustCertificateAuthority.objects.get()
    for slug, key in keys.items():
        assert key.active
        assert key.issuer_ca == ca
        assert key.created_by.email == f"dsl@{slug}.example"
        assert key.subject_common_name == f"{key.school.name} Designated Safeguarding Lead"
    seed_demo(password="demo-password-123", today=timezone.localdate(), history=False)
    assert SigningKey.objects.count() == len(keys)
    assert TrustCertificateAuthority.objects.count() == 1
