"""`python manage.py export_chain_heads [--output FILE]`: each school's chain head as JSON, to keep
outside the database and give to `compare_chain_heads` later."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from chronology.ledger.heads import heads_to_json
from chronology.ledger.services import chain_heads_published


class Command(BaseCommand):
    help = (
        "Write each school's chain head (school, last entry's sequence number and hash) as JSON, "
        "once its chain is checked; no child's details."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", help="the file to write (standard output without it)")

    def handle(self, *args: Any, **options: Any) -> None:
        heads, broken = chain_heads_published()
        document = heads_to_json(heads, generated_at=timezone.now())
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(document)
            self.stderr.write(f"{len(heads)} chain heads written to {options['output']}.")
        else:
            self.stdout.write(document, ending="")
        if broken:
            # A broken chain's head is not exported: it would vouch for a rewritten chain.
            for line in broken:
                self.stderr.write(self.style.ERROR(f"Not exported: {line}."))
            raise CommandError(f"{len(broken)} school chain(s) broken: run verify_records.")
