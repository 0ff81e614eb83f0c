"""`python manage.py verify_records [--school SLUG]`: check every school's hash chain and the
signed records its entries cite."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chronology.ledger.verification import verify_chain
from schools.models import School


class Command(BaseCommand):
    help = (
        "Recompute every chronology entry's hash and link and re-hash every signed record an "
        "entry cites; print the first broken link and every record that no longer matches."
    )

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
        total = records = 0
        for school in schools:
            report = verify_chain(school_id=school.pk)
            total += report.checked
            records += report.records_checked
            if report.ok:
                destroyed = (
                    f" ({report.records_destroyed} destroyed under retention, not re-hashed)"
                    if report.records_destroyed
                    else ""
                )
                self.stdout.write(
                    f"{school.name}: {report.checked} entries, chain intact; "
                    f"{report.records_checked} signed records as their entries hold them"
                    f"{destroyed}."
                )
                continue
            broken += 1
            if not report.chain_ok:
                self.stdout.write(
                    self.style.ERROR(
                        f"{school.name}: BROKEN at entry {report.broken_at}: {report.problem}."
                    )
                )
            if report.broken_records:
                self.stdout.write(
                    self.style.ERROR(
                        f"{school.name}: BROKEN: {len(report.broken_records)} signed record(s) "
                        "no longer match their chronology entries:"
                    )
                )
                for record in report.broken_records:
                    self.stdout.write(self.style.ERROR(f"  {record}."))
        self.stdout.write(
            f"Checked {total} entries and {records} signed records in "
            f"{time.monotonic() - started:.2f} s."
        )
        if broken:
            raise CommandError(f"{broken} school chain(s) broken.")
