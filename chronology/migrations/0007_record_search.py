"""Full-text indexes for searching records (issue 20, docs/adr/0042): GIN on each record's words,
on PostgreSQL only, built concurrently (the tables are large; the school keeps writing)."""

from django.db import migrations

from safeguard.migration_operations import RunSQLOnPostgres, search_index_sql

INDEXES = [
    ("chronologyentry_search", "chronology_chronologyentry", ["details", "people_involved"]),
    ("riskassessment_search", "chronology_riskassessment", ["title", "risks", "measures", "other_pupils_considered"]),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("chronology", "0006_transfer_entry_kinds")]

    operations = [
        RunSQLOnPostgres(*search_index_sql(name, table, fields)) for name, table, fields in INDEXES
    ]
