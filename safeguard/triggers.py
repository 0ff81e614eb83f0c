"""Database triggers that refuse to change signed records, on PostgreSQL and SQLite alike.

The services already refuse; the triggers make the rule hold for any code path or SQL client.
A guard is a table, the operation it covers, and an SQL condition (using OLD and NEW) under which
the operation is refused. Apps register their guards at start-up (`register`); after every
`migrate` the whole set is (re)installed, so the definitions live in one place in code. On SQLite
they are dropped before migrating, because SQLite rebuilds a table to alter it and a trigger that
names the table being rebuilt would stop the migration.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

MESSAGE = "signed record cannot be changed"


@dataclass(frozen=True)
class Guard:
    name: str
    table: str
    operation: str  # INSERT, UPDATE or DELETE
    condition: str  # SQL; "{changed:key}" stands for "any column of COLUMNS[key] changed"


_GUARDS: dict[str, Guard] = {}
_COLUMNS: dict[str, list[str]] = {}
_EXEMPT: dict[str, str] = {}
_POSTGRESQL_ONLY: dict[str, tuple[str, list[str]]] = {}


def register_postgresql(name: str, table: str, statements: list[str]) -> None:
    """Extra SQL on `table`, (re)installed after every migrate on PostgreSQL only, for rules the
    portable guards cannot express (a deferred constraint trigger checked at commit)."""
    _POSTGRESQL_ONLY[name] = (table, statements)


def register_exemption(table: str, condition: str) -> None:
    """While `condition` (SQL on OLD) holds for a row, the UPDATE guards of its table stand
    aside. It is the one path by which signed content is removed: retention's destruction, whose
    condition holds only inside the destroying transaction (transfers/retention/guards.py)."""
    _EXEMPT[table] = condition


def register(guards: Iterable[Guard], columns: dict[str, list[str]] | None = None) -> None:
    for guard in guards:
        _GUARDS[guard.name] = guard
    _COLUMNS.update(columns or {})


def registered() -> list[Guard]:
    return list(_GUARDS.values())


def _changed(vendor: str, columns: Iterable[str]) -> str:
    op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return "(" + " OR ".join(f'OLD."{c}" {op} NEW."{c}"' for c in columns) + ")"


def _condition(vendor: str, guard: Guard) -> str:
    condition = guard.condition
    exempt = _EXEMPT.get(guard.table)
    if exempt and guard.operation == "UPDATE":
        condition = f"({condition} AND NOT ({exempt}))"
    for key, cols in _COLUMNS.items():
        condition = condition.replace("{changed:" + key + "}", _changed(vendor, cols))
    return condition


def _create_sql(vendor: str, guard: Guard) -> list[str]:
    name = f"sg_guard_{guard.name}"
    condition = _condition(vendor, guard)
    if vendor == "postgresql":
        returned = "OLD" if guard.operation == "DELETE" else "NEW"
        return [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
                IF {condition} THEN
                    RAISE EXCEPTION '{MESSAGE}: %', TG_TABLE_NAME
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN {returned};
            END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {name} ON {guard.table}",
            f"""CREATE TRIGGER {name} BEFORE {guard.operation} ON {guard.table}
                FOR EACH ROW EXECUTE FUNCTION {name}()""",
        ]
    return [
        f"DROP TRIGGER IF EXISTS {name}",
        f"""CREATE TRIGGER {name} BEFORE {guard.operation} ON {guard.table}
            FOR EACH ROW WHEN {condition}
            BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {guard.table}'); END""",
    ]


def _drop_sql(vendor: str, guard: Guard) -> list[str]:
    name = f"sg_guard_{guard.name}"
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {guard.table}"]
    return [f"DROP TRIGGER IF EXISTS {name}"]


def install_all(connection: Any) -> int:
    """Create (or replace) every registered guard whose table exists; returns how many."""
    tables = set(connection.introspection.table_names())
    installed = 0
    with connection.cursor() as cursor:
        for guard in _GUARDS.values():
            if guard.table not in tables:
                continue
            for sql in _create_sql(connection.vendor, guard):
                # No parameters: the "%" of RAISE EXCEPTION is not a placeholder.
                cursor.execute(sql)
            installed += 1
        if connection.vendor == "postgresql":
            for table, statements in _POSTGRESQL_ONLY.values():
                if table in tables:
                    for sql in statements:
                        cursor.execute(sql)
    return installed


def drop_all(connection: Any) -> None:
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for guard in _GUARDS.values():
            if guard.table in tables:
                for sql in _drop_sql(connection.vendor, guard):
                    cursor.execute(sql)


def installed_names(connection: Any) -> set[str]:
    """The guard triggers present in the database (for tests and the integrity check)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'sg_guard_%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'sg_guard_%'"
            )
        return {row[0] for row in cursor.fetchall()}
