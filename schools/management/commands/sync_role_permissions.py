"""`python manage.py sync_role_permissions`: re-derive guardian rows after roles.py changes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Q

from schools.models import User
from schools.services import user_permissions_sync


class Command(BaseCommand):
    help = (
        "Re-derive every user's object permissions from their memberships and safeguard/roles.py."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        users = User.objects.filter(
            Q(school_memberships__isnull=False) | Q(trust_memberships__isnull=False)
        ).distinct()
        count = 0
        for user in users.iterator():
            user_permissions_sync(user=user)
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Permissions re-derived for {count} people."))
