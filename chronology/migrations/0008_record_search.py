"""Searching records (issue 20, docs/adr/0042), PostgreSQL only: each record's words in a stored
generated tsvector column (adding it rewrites the table once), and a GIN index on it built
concurrently (the tables are large; the school keeps writing)."""

from django.db import migrations

from safeguard.migration_operations import RunSQLOnPostgres, search_column_sql

INDEXES = [
    ("chronologyentry_search", "chronology_chronologyentry", ["details", "people_involved"]),
    ("riskassessment_search", "chronology_riskassessment", ["title", "risks", "measures", "other_pupils_considered"]),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("chronology", "0007_reassessment_review_kind")]

    operations = [
        RunSQLOnPostgres(sql, reverse)
        for name, table, fields in INDEXES
        for sql, reverse in search_column_sql(name, table, fields)
    ]
