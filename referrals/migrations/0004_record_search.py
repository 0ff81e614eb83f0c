"""Searching records (issue 20, docs/adr/0042), PostgreSQL only: each record's words in a stored
generated tsvector column (adding it rewrites the table once), and a GIN index on it built
concurrently (the tables are large; the school keeps writing)."""

from django.db import migrations

from safeguard.migration_operations import RunSQLOnPostgres, search_column_sql

INDEXES = [
    ("referral_search", "referrals_referral", ["reason", "parents_reason"]),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("referrals", "0003_keyset_list_order")]

    operations = [
        RunSQLOnPostgres(sql, reverse)
        for name, table, fields in INDEXES
        for sql, reverse in search_column_sql(name, table, fields)
    ]
