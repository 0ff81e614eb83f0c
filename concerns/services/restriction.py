"""Restricting a concern: only the DSL and the people named (each with a role that reads CP
records) see it, through an object permission held per person."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from safeguard.access import access_for
from safeguard.roles import Perm
from schools.models import User

from ..models import Concern

RESTRICTED_PERM = "concerns.view_restricted_concern"


@transaction.atomic
def concern_restrict(*, actor: User, concern: Concern, named: Sequence[User]) -> Concern:
    """Only the DSL and the named people (with a role that reads CP records) see it."""
    if not access_for(actor).has(Perm.VIEW_ALL_RESTRICTED, concern.school_id):
        raise PermissionDenied("Only the DSL can restrict a concern.")
    readers = [u for u in named if access_for(u).has(Perm.READ_CP_RECORDS, concern.school_id)]
    if len(readers) != len(named):
        raise ValidationError({"named": "Name only people who can read child-protection records"})
    Concern.objects.filter(pk=concern.pk).update(restricted=True, updated_at=timezone.now())
    concern.restricted = True
    for user in readers:
        assign_perm(RESTRICTED_PERM, user, concern)
    return concern


@transaction.atomic
def concern_unrestrict(*, actor: User, concern: Concern) -> Concern:
    """Lift the restriction: everyone who reads CP records sees the concern again."""
    if not access_for(actor).has(Perm.VIEW_ALL_RESTRICTED, concern.school_id):
        raise PermissionDenied("Only the DSL can lift a restriction.")
    Concern.objects.filter(pk=concern.pk).update(restricted=False, updated_at=timezone.now())
    concern.restricted = False
    for user in User.objects.filter(
        userobjectpermission__object_pk=str(concern.pk),
        userobjectpermission__permission__codename="view_restricted_concern",
    ):
        remove_perm(RESTRICTED_PERM, user, concern)
    return concern
