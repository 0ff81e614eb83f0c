# ruff: noqa: S608  (every name in the SQL below is a table or column from the catalogue, quoted)
"""The demo trust for tests that commit (browser tests on a live server), seeded once per test
process and restored from a copy after that.

`seed_demo --no-history` makes about 14,000 queries (8 to 17 seconds); pytest-django empties
every table after each `transactional_db` test, so each browser test paid that again. Here the
first use in a process runs the real command, then copies every public table (but
`django_migrations`) into a schema of its own; later uses TRUNCATE the public tables and copy the
rows back (ids included), in one transaction with `session_replication_role = replica`, which
skips the foreign-key checks and the guards on signed records (safeguard/triggers.py), as a
restore from a dump does. The rows are the ones the real command wrote, so the signed records
and the chronology hash chains verify as they did.

A snapshot is used only where it is safe; otherwise the real command runs: not PostgreSQL, inside
an atomic block (the `db` fixture's transaction), or a key that differs (history or not, today's
date, the demo password, the storage and the settings the seed reads). The files the demo wrote
(the transfer's signed PDF and bundle) are kept in memory and written back if a test removed them.
tests/demo/ tests the command itself and never uses this."""

from __future__ import annotations

import hashlib
import os
from io import StringIO
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

SCHEMA_PREFIX = "demo_snapshot_"

# Per database alias and key: the schema that holds the copy, and the demo's files.
_snapshots: dict[tuple[str, str], tuple[str, dict[str, bytes]]] = {}


def demo_key(*, history: bool) -> str:
    """Everything `seed_demo`'s rows and files depend on, hashed."""
    parts = [
        f"history={history}",
        f"today={timezone.localdate().isoformat()}",
        f"password={os.environ.get('DEMO_PASSWORD', '')}",
        f"tz={settings.TIME_ZONE}",
        f"secret={settings.SECRET_KEY}",
        f"storage={settings.STORAGES['default']!r}",
        f"media={settings.MEDIA_ROOT}",
        f"hashers={settings.PASSWORD_HASHERS[0]}",
        f"pid={os.getpid()}",  # a schema per test process: xdist workers share no database anyway
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def seed_demo_for_test(*, history: bool, using: str = DEFAULT_DB_ALIAS) -> str:
    """The demo in the test database, committed: "seeded" the first time, "restored" after.
    Falls back to the real command wherever a copy cannot be trusted."""
    connection = connections[using]
    args = [] if history else ["--no-history"]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        call_command("seed_demo", *args, stdout=StringIO())
        return "seeded"
    key = demo_key(history=history)
    found = _snapshots.get((using, key))
    if found is not None and _schema_exists(using, found[0]):
        _restore(using, found[0], found[1])
        return "restored"
    call_command("seed_demo", *args, stdout=StringIO())
    schema = SCHEMA_PREFIX + key
    _snapshots[(using, key)] = (schema, _take(using, schema))
    return "seeded"


def public_tables(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Every ordinary or partitioned table of the public schema (not a partition: its rows are
    its parent's), but `django_migrations`."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            """SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                 AND c.relname <> 'django_migrations' ORDER BY c.relname"""
        )
        return [row[0] for row in cursor.fetchall()]


def _schema_exists(using: str, schema: str) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema])
        return cursor.fetchone() is not None


def _columns(cursor: Any, schema: str, table: str) -> list[str]:
    """The table's columns a row can be given (not generated ones), in order."""
    cursor.execute(
        """SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped
             AND a.attgenerated = '' ORDER BY a.attnum""",
        [schema, table],
    )
    return [row[0] for row in cursor.fetchall()]


def _file_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, models.FileField)
    ]


def _demo_files() -> dict[str, bytes]:
    """The bytes of every file a row names (the demo transfer's PDF and bundle)."""
    from django.core.files.storage import default_storage

    files: dict[str, bytes] = {}
    for model, name in _file_fields():
        for path in model._default_manager.exclude(**{name: ""}).values_list(name, flat=True):
            if path and default_storage.exists(path):
                with default_storage.open(path, "rb") as handle:
                    files[path] = handle.read()
    return files


def _take(using: str, schema: str) -> dict[str, bytes]:
    connection = connections[using]
    tables = public_tables(using)
    q = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {q(schema)} CASCADE")
        cursor.execute(f"CREATE SCHEMA {q(schema)}")
        for table in tables:
            cursor.execute(
                f"CREATE TABLE {q(schema)}.{q(table)} AS SELECT * FROM public.{q(table)}"
            )
    return _demo_files()


def _restore(using: str, schema: str, files: dict[str, bytes]) -> None:
    connection = connections[using]
    q = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", [schema]
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"TRUNCATE {', '.join('public.' + q(t) for t in tables)}")
        for table in tables:
            columns = ", ".join(q(c) for c in _columns(cursor, "public", table))
            cursor.execute(
                f"INSERT INTO public.{q(table)} ({columns}) OVERRIDING SYSTEM VALUE "
                f"SELECT {columns} FROM {q(schema)}.{q(table)}"
            )
        # Every serial or identity column's sequence to its table's largest id.
        cursor.execute(
            """SELECT c.relname, a.attname, pg_get_serial_sequence(
                   quote_ident(c.relname), a.attname)
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'public' AND c.relname = ANY(%s) AND a.attnum > 0
                 AND NOT a.attisdropped
                 AND pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NOT NULL""",
            [tables],
        )
        for table, column, sequence in cursor.fetchall():
            cursor.execute(
                f"SELECT setval(%s, COALESCE((SELECT MAX({q(column)}) FROM public.{q(table)}), 0)"
                " + 1, false)",
                [sequence],
            )
    _clear_process_caches()
    _files_back(files)


def _files_back(files: dict[str, bytes]) -> None:
    """Write back any of the demo's files a test removed (the same names, the same bytes)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    for path, content in files.items():
        if not default_storage.exists(path):
            saved = default_storage.save(path, ContentFile(content))
            assert saved == path, f"{path} came back as {saved}"


def _clear_process_caches() -> None:
    """What this process holds that names rows: content types (their ids are the snapshot's
    again, not the ones post_migrate made after the flush) and the Django caches."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches

    ContentType.objects.clear_cache()
    for cache in caches.all():
        cache.clear()
