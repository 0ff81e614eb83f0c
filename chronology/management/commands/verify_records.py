"""`python manage.py verify_records [--school SLUG]`: check every school's hash chain."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chronology.ledger.services import verify_chain
from schools.models import School


class Command(BaseCommand):
    help = "Recompute every chronology entry's hash and link; print the first broken link."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--school", help="the slug of one school to check")

    def handle(self, *args: Any, **options: Any) -> None:
        schools = School.objects.order_by("name")
        if options["school"]:
            schools = schools.filter(slug=options["school"])
            if not schools.exists():
                raise CommandError(f"No school with the slug {options['school']!r}.")
        broken = 0
        started = time.monotonic()
        total = 0
        for school in schools:
            report = verify_chain(school_id=school.pk)
            total += report.checked
            if report.ok:
                self.stdout.write(f"{school.name}: {report.checked} entries, chain intact.")
            else:
                broken += 1
                self.stdout.write(
                    self.style.ERROR(
                        f"{school.name}: BROKEN at entry {report.broken_at}: {report.problem}."
                    )
                )
        self.stdout.write(f"Checked {total} entries in {time.monotonic() - started:.2f} s.")
        if broken:
            raise CommandError(f"{broken} school chain(s) broken.")
