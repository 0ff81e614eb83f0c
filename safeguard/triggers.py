"""Database triggers that refuse to change signed records, on PostgreSQL and SQLite alike.

The services already refuse; the triggers make the rule hold for any code path or SQL client.
A guard is: a table, the operations it covers, and an SQL condition (using OLD and NEW) under
which the operation is refused. Conditions use only SQL both databases understand; `changed()`
writes the "any of these columns changed" test in each dialect.
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
    condition: str  # may contain {changed:col1,col2} placeholders, see changed()


def changed(vendor: str, columns: Iterable[str]) -> str:
    op = "IS DISTINCT FROM" if vendor == "postgresql" else "IS NOT"
    return "(" + " OR ".join(f"OLD.{c} {op} NEW.{c}" for c in columns) + ")"


def _sql(vendor: str, guard: Guard, condition: str) -> tuple[str, str]:
    name = f"sg_guard_{guard.name}"
    if vendor == "postgresql":
        returned = "OLD" if guard.operation == "DELETE" else "NEW"
        create = f"""
            CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
                IF {condition} THEN
                    RAISE EXCEPTION '{MESSAGE}: %', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN {returned};
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER {name} BEFORE {guard.operation} ON {guard.table}
                FOR EACH ROW EXECUTE FUNCTION {name}();
        """  # noqa: E501
        drop = f"DROP TRIGGER IF EXISTS {name} ON {guard.table}; DROP FUNCTION IF EXISTS {name}();"
        return create, drop
    create = f"""
        CREATE TRIGGER {name} BEFORE {guard.operation} ON {guard.table}
        FOR EACH ROW WHEN {condition}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}: {guard.table}'); END;
    """
    return create, f"DROP TRIGGER IF EXISTS {name};"


def install(guards: Iterable[Guard], columns: dict[str, list[str]]):  # noqa: ANN201
    """Forward and backward RunPython functions for a migration."""

    def render(vendor: str, guard: Guard) -> tuple[str, str]:
        condition = guard.condition
        for key, cols in columns.items():
            condition = condition.replace("{changed:" + key + "}", changed(vendor, cols))
        return _sql(vendor, guard, condition)

    def forward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for guard in guards:
            create, _ = render(vendor, guard)
            _execute(schema_editor, create)

    def backward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        for guard in guards:
            _, drop = render(vendor, guard)
            for statement in drop.split(";"):
                if statement.strip():
                    _execute(schema_editor, statement)

    return forward, backward


def _execute(schema_editor: Any, sql: str) -> None:
    # Without parameters, so the "%" of RAISE EXCEPTION is not taken for a placeholder. SQLite
    # runs one statement per call; a CREATE TRIGGER with its body is one statement.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(sql)
