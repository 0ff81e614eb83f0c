"""Reads of roll imports, always scoped by the acting person (the roll keepers of a school)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Func, IntegerField, QuerySet

from safeguard.access import get_for_actor_or_404, scope
from safeguard.roles import Perm
from schools.models import RollImport, RollImportMapping, School

from .fields import REQUIRED, heading_key, suggest_columns


class JsonArrayLength(Func):
    """How many items a JSON array holds, in the database (PostgreSQL, and SQLite for make run)."""

    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="json_array_length", **extra)


def roll_import_list_for(*, actor: Any, school: School) -> QuerySet[RollImport]:
    """The school's imports, newest first, without the rows and plans (the history list)."""
    return (
        scope(RollImport.objects.all(), actor=actor, perm=Perm.MANAGE_PUPIL_ROLL)
        .filter(school=school)
        .select_related("uploaded_by", "applied_by")
        .defer("rows", "plan", "problems", "header")
        # How many problems, counted in the database: a preview with any can never be applied.
        .annotate(problem_count=JsonArrayLength(F("problems")))
        .order_by("-created_at")
    )


def roll_import_get_for(*, actor: Any, pk: Any, with_rows: bool = False) -> RollImport:
    """One import the actor may keep, or the same 404 for missing, other-school and forbidden.
    The rows read (up to 10 MB) are loaded only when asked for: the preview shows the plan."""
    imports = RollImport.objects.select_related("school", "uploaded_by", "applied_by")
    return get_for_actor_or_404(
        imports if with_rows else imports.defer("rows"),
        actor=actor,
        perm=Perm.MANAGE_PUPIL_ROLL,
        pk=pk,
    )


def roll_import_columns_for(*, roll_import: RollImport) -> dict[str, int]:
    """The columns to offer: those already chosen for this import, else the school's remembered
    headings where the file has them, else the headings MIS exports usually use."""
    headings: list[str] = roll_import.header.get("headings", [])
    if roll_import.header.get("columns"):
        return dict(roll_import.header["columns"])
    suggested = suggest_columns(headings)
    mapping = RollImportMapping.objects.filter(school_id=roll_import.school_id).first()
    if mapping is None:
        return suggested
    # Remembered: a field left out last time stays out, unless the form needs it.
    keys = [heading_key(h) for h in headings]
    chosen = {
        field: keys.index(heading_key(heading))
        for field, heading in mapping.columns.items()
        if heading_key(heading) in keys
    }
    for field, index in suggested.items():
        if field in REQUIRED and field not in chosen and index not in chosen.values():
            chosen[field] = index
    return chosen
