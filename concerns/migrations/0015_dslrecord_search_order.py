"""A school's signed DSL records by date (issue 20, docs/adr/0042): searching records newest
first reads a common word's first page along it. Built concurrently (ADR 0036)."""

from django.db import migrations, models

from safeguard.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("concerns", "0014_record_search"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="dslrecord",
            index=models.Index(fields=["school", "signed_at"], name="dslrecord_school_signed"),
        ),
    ]
