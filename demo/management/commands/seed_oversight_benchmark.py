"""The trust dashboard benchmark's trust, loaded with COPY (PostgreSQL only; what goes in:
demo/benchmark.py).

    python manage.py seed_oversight_benchmark [--schools 50] [--concerns 1000000] [--years 5]
"""

from __future__ import annotations

import random
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from demo.benchmark import ANALYSED_MODELS, TRUST_NAME, TRUST_SLUG, Seeder
from demo.guard import demo_seeding_allowed_or_refuse
from schools.models import Trust


class Command(BaseCommand):
    help = "Seed a trust of 50 schools and 1,000,000 concerns for the trust dashboard benchmark."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=50)
        parser.add_argument("--concerns", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        demo_seeding_allowed_or_refuse()
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark trust is loaded with COPY: use PostgreSQL.")
        if Trust.objects.filter(slug=TRUST_SLUG).exists():
            self.stdout.write(f"{TRUST_NAME} is already seeded; nothing to do.")
            return
        started = time.perf_counter()
        with transaction.atomic():
            counts = Seeder(
                schools=options["schools"],
                concerns=options["concerns"],
                years=options["years"],
                rng=random.Random(options["seed"]),  # noqa: S311  (repeatable data, not secrets)
                log=self.stdout.write,
            ).run()
        # Fresh statistics, and (outside a transaction) the visibility map that lets PostgreSQL
        # answer from an index alone, as autovacuum would leave a live database.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for model in ANALYSED_MODELS:
                cursor.execute(f'{command} "{model._meta.db_table}"')
        took = time.perf_counter() - started
        summary = ", ".join(f"{n:,} {name}" for name, n in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {summary} in {took:.0f} s."))
