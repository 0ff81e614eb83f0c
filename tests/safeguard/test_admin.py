"""The platform's Django admin: only platform administrators get in, and it shows no pupils."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.support.factories import UserFactory
from tests.support.world import ALL_ROLES, World


@pytest.mark.parametrize("role", ALL_ROLES)
def test_school_roles_cannot_open_the_admin(client, world: World, role: str) -> None:
    client.force_login(world.users[role])
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/platform-admin/login/" in response["Location"]


def test_platform_admin_sees_schools_not_pupils(client, world: World) -> None:
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(reverse("admin:index")).content.decode()
    assert "Schools" in page
    assert "Pupils" not in page
    assert client.get(reverse("admin:schools_school_changelist")).status_code == 200


def test_the_admin_cannot_move_a_trust_role(client, world: World) -> None:
    """Roles are given in the product: the membership lists are read-only here."""
    from safeguard.access import access_for
    from safeguard.roles import Perm
    from schools.models import TrustMembership, User

    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    old_tso = world.users["tso"]
    new_tso = UserFactory(email="new-tso@example.org")
    membership = TrustMembership.objects.get(user=old_tso)
    url = reverse("admin:schools_trustmembership_change", args=[membership.pk])
    response = client.post(url, {"user": new_tso.pk, "trust": membership.trust_id, "role": "tso"})
    assert response.status_code == 403
    assert access_for(User.objects.get(pk=old_tso.pk)).has(Perm.READ_CP_RECORDS, world.school)
    assert not access_for(User.objects.get(pk=new_tso.pk)).has(Perm.READ_CP_RECORDS, world.school)


def test_only_models_without_childrens_data_are_registered() -> None:
    """Registering a model in the platform admin is a decision (docs/adr/0025): none of these
    holds a child's data; a new one must be added here on purpose, after checking it holds none."""
    from django.contrib import admin

    registered = {model._meta.label for model in admin.site._registry}
    assert registered == {
        "auth.Group",
        "axes.AccessAttempt",
        "axes.AccessLog",
        "axes.AccessFailureLog",
        "django_celery_beat.PeriodicTask",
        "django_celery_beat.ClockedSchedule",
        "django_celery_beat.CrontabSchedule",
        "django_celery_beat.SolarSchedule",
        "django_celery_beat.IntervalSchedule",
        "schools.User",
        "schools.Trust",
        "schools.School",
        "schools.SchoolMembership",
        "schools.TrustMembership",
        "transfers.TrustCertificateAuthority",
        "transfers.SigningKey",
        "transfers.RetentionPolicy",
        # Issue 16: which second factors a person has, to delete a lost one (never the secret).
        "otp_totp.TOTPDevice",
        "django_otp_webauthn.WebAuthnCredential",
        "schools.RecoveryCodeDevice",
    }
