"""Searching records (issue 20, docs/adr/0042), PostgreSQL only: each record's words in a stored
generated tsvector column (adding it rewrites the table once), and a GIN index on it built
concurrently (the tables are large; the school keeps writing)."""

from django.db import migrations

from safeguard.migration_operations import RunSQLOnPostgres, search_column_sql

INDEXES = [
    ("concern_search", "concerns_concern", ["location", "reason_for_recording", "account", "professional_opinion", "actions_taken", "other_information"]),
    ("addendum_search", "concerns_addendum", ["text"]),
    ("dslrecord_search", "concerns_dslrecord", ["received_from", "action_reasons", "action_details", "level_of_need_reason", "parents_informed_reason", "outcome", "outcome_given_by", "information_held_elsewhere", "cp_file_reason"]),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("concerns", "0013_reassessment_prompts")]

    operations = [
        RunSQLOnPostgres(sql, reverse)
        for name, table, fields in INDEXES
        for sql, reverse in search_column_sql(name, table, fields)
    ]
