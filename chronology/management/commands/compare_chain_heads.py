"""`python manage.py compare_chain_heads FILE` (or `-` for standard input): whether each school's
chain still starts with the entries a published head closed (the nightly email's lines, or the
JSON of `export_chain_heads`). Exits non-zero on any difference."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from chronology.ledger.heads import HeadsUnreadableError, PublishedHead, heads_from_text
from chronology.ledger.verification import chain_head_compare
from schools.models import School


class Command(BaseCommand):
    help = (
        "Compare published chain heads (the nightly email's lines or export_chain_heads JSON) "
        "with today's chains; exit non-zero if any chain no longer starts with the same entries."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("heads", help="a file of published heads, or - for standard input")

    def _school(self, head: PublishedHead) -> School | None:
        # The id and slug together, else either (a database restored elsewhere keeps the slug).
        return (
            School.objects.filter(pk=head.school_id, slug=head.slug).first()
            or School.objects.filter(slug=head.slug).first()
            or School.objects.filter(pk=head.school_id).first()
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["heads"] == "-":
            text = sys.stdin.read()
        else:
            try:
                with open(options["heads"], encoding="utf-8") as source:
                    text = source.read()
            except OSError as exc:
                raise CommandError(f"Cannot read {options['heads']}: {exc.strerror}.") from exc
        try:
            heads = heads_from_text(text)
        except HeadsUnreadableError as exc:
            raise CommandError(str(exc)) from exc
        different = 0
        for head in heads:
            school = self._school(head)
            if school is None:
                different += 1
                self.stdout.write(
                    self.style.ERROR(f"{head.name} ({head.slug}): DIFFERENT: no such school here.")
                )
                continue
            result = chain_head_compare(
                school_id=school.pk, sequence=head.sequence, head_hash=head.entry_hash
            )
            if result.same:
                self.stdout.write(f"{school.name}: same chain through entry {head.sequence}.")
            else:
                different += 1
                self.stdout.write(
                    self.style.ERROR(
                        f"{school.name}: DIFFERENT at entry {head.sequence}: {result.problem}."
                    )
                )
        if different:
            raise CommandError(
                f"{different} of {len(heads)} chain(s) no longer start with their published head."
            )
        self.stdout.write(f"All {len(heads)} chains still start with their published heads.")
