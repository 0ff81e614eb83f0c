"""Migration operations the project's own migrations use.

`AddIndexConcurrently`: an index on a table that is large in production (concerns, their pupils
and categories, referrals, the access log) is built with PostgreSQL's `CREATE INDEX
CONCURRENTLY`, so a deploy does not stop the school writing while it builds (ADR 0036). Django's
own operation is PostgreSQL's only; this one builds the index the ordinary way elsewhere (the
embedded SQLite database of `make run`). Its migration must say `atomic = False`.

`RemoveIndexConcurrently`: the same for dropping one (an index replaced by one built beside it),
`DROP INDEX CONCURRENTLY`, which waits for the queries using the table rather than stopping them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as PostgresAddIndexConcurrently
from django.contrib.postgres.operations import (
    RemoveIndexConcurrently as PostgresRemoveIndexConcurrently,
)
from django.db import migrations
from django.db.migrations.operations import AddIndex, RemoveIndex, RunSQL


class _PlainElsewhere:
    """The concurrent operation on PostgreSQL, its plain form (`plain`) on any other database."""

    plain: Any

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]
        else:
            self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)  # type: ignore[misc]
        else:
            self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexConcurrently(_PlainElsewhere, PostgresAddIndexConcurrently):
    """`CREATE INDEX CONCURRENTLY` on PostgreSQL, a plain `CREATE INDEX` elsewhere."""

    plain = AddIndex


class RemoveIndexConcurrently(_PlainElsewhere, PostgresRemoveIndexConcurrently):
    """`DROP INDEX CONCURRENTLY` on PostgreSQL, a plain `DROP INDEX` elsewhere."""

    plain = RemoveIndex


class RunSQLOnPostgres(RunSQL):
    """SQL that only PostgreSQL runs (a full-text index, docs/adr/0042); nothing elsewhere, where
    the feature has a fallback of its own (SQLite in `make run`). The index is not in the
    model's state, so SQLite's table rebuilds never try to make it."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


SEARCH_COLUMN = "search_vector"


def search_column_sql(name: str, table: str, fields: list[str]) -> list[tuple[str, str]]:
    """A record's words as PostgreSQL's text search reads them, kept in a stored generated column
    `search_vector` (`to_tsvector('english', a || ' ' || b …)`, recomputed by PostgreSQL whenever
    a word changes, retention's blanking included), and a GIN index `name` on it, built
    concurrently: (SQL, reverse SQL) pairs for `RunSQLOnPostgres` (docs/adr/0042). The column is
    not in the model: Django never reads it but through `home.search.selectors.StoredDocument`."""
    words = " || ' ' || ".join(f"COALESCE(\"{f}\", '')" for f in fields)
    return [
        (
            f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{SEARCH_COLUMN}" tsvector '
            f"GENERATED ALWAYS AS (to_tsvector('english'::regconfig, {words})) STORED",
            f'ALTER TABLE "{table}" DROP COLUMN IF EXISTS "{SEARCH_COLUMN}"',
        ),
        (
            f'CREATE INDEX CONCURRENTLY IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ("{SEARCH_COLUMN}")',
            f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"',
        ),
        # The new column's statistics, so the planner knows how common a word is from the
        # first search (a table rewritten by ALTER TABLE is not analysed again by itself).
        (f'ANALYZE "{table}"', migrations.RunSQL.noop),
    ]
