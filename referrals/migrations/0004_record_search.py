"""Full-text indexes for searching records (issue 20, docs/adr/0042): GIN on each record's words,
on PostgreSQL only, built concurrently (the tables are large; the school keeps writing)."""

from django.db import migrations

from safeguard.migration_operations import RunSQLOnPostgres, search_index_sql

INDEXES = [
    ("referral_search", "referrals_referral", ["reason", "parents_reason"]),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("referrals", "0003_keyset_list_order")]

    operations = [
        RunSQLOnPostgres(*search_index_sql(name, table, fields)) for name, table, fields in INDEXES
    ]
