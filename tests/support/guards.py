"""Changing rows the database guards protect, as an attacker with the database owner's password
could: with every trigger switched off for the statement (PostgreSQL's replica role)."""

from __future__ import annotations

from typing import Any

from django.db import connection


def bypassing_guards(sql: str, params: list[Any]) -> None:
    """Run one statement with the guard triggers off, then switch them back on."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
