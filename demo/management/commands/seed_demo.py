"""`python manage.py seed_demo`: the demo trust (idempotent)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from demo.guard import demo_seeding_allowed_or_refuse
from demo.people import DEMO_PASSWORD_DEFAULT, DEMO_TOTP_SECRET, SCHOOLS, TRUST_NAME, demo_emails
from demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create or update the demo trust, its three schools, pupils and users."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Leave out the year of concerns behind the dashboards' trends (faster).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        demo_seeding_allowed_or_refuse()
        password = os.environ.get("DEMO_PASSWORD") or DEMO_PASSWORD_DEFAULT
        result = seed_demo(
            password=password, today=timezone.localdate(), history=not options["no_history"]
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{TRUST_NAME}: {result['schools']} schools, "
                f"{result['pupils_created']} pupils and {result['concerns']} concerns added."
            )
        )
        self.stdout.write(
            "Demo sign-ins (password: %s):"
            % ("$DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else password)
        )
        for email in demo_emails():
            self.stdout.write(f"  {email}")
        self.stdout.write(
            "Two-factor sign-in (DSLs, deputies, heads, administrators, the trust safeguarding "
            f"officer): add this key to an authenticator app, time-based: {DEMO_TOTP_SECRET}"
        )
        self.stdout.write("Schools: " + ", ".join(f"{s.name} ({s.slug})" for s in SCHOOLS))
