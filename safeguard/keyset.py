"""Keyset pagination (the "seek method") for the lists that grow without bound (issue 18): a
page is the rows after the last row of the page before, found from an index, never `OFFSET` past
every row before it and never a `COUNT` of them all.

Why a module here and not a library: the well-kept ones take field names only. DRF's
`CursorPagination` (installed, used by the API) pages on one field; `django-cursor-pagination`
and `django-keyset-pagination(-plus)` take several, but as names (no `Case` or `Coalesce`, and
the triage inbox's order is both) and write the position as an `OR` of one comparison per column,
which PostgreSQL cannot start an index scan from. This is one function and one small expression.

How a list is ordered: by keys (expressions, each ascending or descending) that are never NULL
and end in the primary key, so every row has one place. The keys of one direction side by side
are compared as one row value, `(k1, k2, pk) < (v1, v2, v3)`, which PostgreSQL answers from an
index on the same keys, starting at the position (SQLite compares row values too). Where the
direction changes (the referral list: response due soonest, then made newest), the position is
`R1 >= V1 AND (R1 <> V1 OR <after V2 on the rest>)`: the index still starts at the first run of
keys and the rest only sets aside the rows tied with the position on it. (Written as `R1 > V1 OR
(R1 = V1 AND ...)` PostgreSQL splits the `OR` into two bitmap scans and sorts.) Each list keeps
an index in its order (`concern_inbox_keyset`, `concern_mine_order`, `referral_list_order`).

The position travels in the query string (`?page=`) as a token signed with the list's name: an
altered token, one made for another list, or an old page number gives the first page. The values
in it are only ever compared with the rows of a queryset the view has already scoped to the
actor, so no token leads anywhere the first page could not.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Expression,
    F,
    Field,
    Model,
    OrderBy,
    Q,
    QuerySet,
    Value,
)

PARAM = "page"  # the query string's name for the position
_AFTER, _BEFORE = "a", "b"

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    """One page of a list, and the tokens of the pages either side ("" where there is none)."""

    rows: list[M]
    next_token: str = ""
    previous_token: str = ""

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_token or self.previous_token)


class RowCompare(Expression):
    """`(a, b, ...) <op> (x, y, ...)`: row values compared in order, as one index condition."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, lhs: Sequence[Any], op: str, rhs: Sequence[Any]) -> None:
        super().__init__()
        if op not in ("<", ">", "<=", ">=", "<>") or len(lhs) != len(rhs) or not lhs:
            raise ValueError(f"cannot compare {len(lhs)} keys with {len(rhs)} by {op!r}")
        self.lhs, self.op, self.rhs = list(lhs), op, list(rhs)

    def get_source_expressions(self) -> list[Any]:
        return [*self.lhs, *self.rhs]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.lhs, self.rhs = list(exprs[: len(self.lhs)]), list(exprs[len(self.lhs) :])

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        sides: list[str] = []
        params: list[Any] = []
        for side in (self.lhs, self.rhs):
            parts = []
            for expression in side:
                sql, expression_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(expression_params)
            sides.append(", ".join(parts))
        return f"({sides[0]}) {self.op} ({sides[1]})", tuple(params)


def keyset_page(
    queryset: QuerySet[M],
    *,
    order: Sequence[OrderBy],
    token: str | None,
    per_page: int,
    name: str,
) -> KeysetPage[M]:
    """The page of `queryset`, in `order`, that `token` points at (the first page for none, or for
    a token that is not one this list gave). `name` names the list in its tokens. Reads the page's
    rows and one more (is there a next page?) in one query."""
    if not order or not _is_pk(order[-1].expression):
        raise ValueError("a keyset order ends in the primary key, so every row has one place")
    keyed = queryset.annotate(
        **{f"keyset_{i}": o.expression for i, o in enumerate(order)}
    ).order_by(*order)
    fields = [keyed.query.annotations[f"keyset_{i}"].output_field for i in range(len(order))]
    position = _read(token, name=name, fields=fields)
    if position is not None:
        direction, values = position
        after = direction == _AFTER
        rows = list(
            keyed.filter(_beyond(order, fields, values, after=after)).order_by(
                *(order if after else [_reversed(o) for o in order])
            )[: per_page + 1]
        )
        more = len(rows) > per_page
        rows = rows[:per_page] if after else rows[:per_page][::-1]
        if rows:  # else the list changed under the token (or it was forged): the first page
            return KeysetPage(
                rows=rows,
                next_token=_token(rows[-1], _AFTER, name, len(order)) if more or not after else "",
                previous_token=_token(rows[0], _BEFORE, name, len(order)) if more or after else "",
            )
    rows = list(keyed[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    return KeysetPage(
        rows=rows, next_token=_token(rows[-1], _AFTER, name, len(order)) if more else ""
    )


def _is_pk(expression: Any) -> bool:
    return isinstance(expression, F) and getattr(expression, "name", "") in ("pk", "id")


def _reversed(order: OrderBy) -> OrderBy:
    flipped = order.copy()
    flipped.reverse_ordering()
    return flipped


def _beyond(
    order: Sequence[OrderBy],
    fields: Sequence[Field[Any, Any]],
    values: Sequence[Any],
    *,
    after: bool,
) -> Q:
    """The rows after (or before) the position `values` in `order`."""
    runs: list[tuple[bool, list[Any], list[Any]]] = []  # (descending, keys, values)
    for o, field, value in zip(order, fields, values, strict=True):
        if not runs or runs[-1][0] != o.descending:
            runs.append((o.descending, [], []))
        runs[-1][1].append(o.expression)
        runs[-1][2].append(Value(value, output_field=field))
    beyond: Q | None = None
    for descending, keys, bound in reversed(runs):
        op = "<" if descending == after else ">"
        if beyond is None:  # the last run: strictly beyond
            beyond = Q(RowCompare(keys, op, bound))
        else:  # from here on, or tied here and beyond on the runs after
            beyond = Q(RowCompare(keys, op + "=", bound)) & (
                Q(RowCompare(keys, "<>", bound)) | beyond
            )
    assert beyond is not None  # noqa: S101  (order is not empty)
    return beyond


def _plain(value: Any) -> Any:
    """A key's value as JSON holds it exactly (a time to the microsecond)."""
    if value is None:
        raise ValueError("a keyset key is never NULL: coalesce it in the order")
    if isinstance(value, datetime.date):  # a datetime too: ISO 8601, to the microsecond
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bool | int | str):
        return value
    raise TypeError(f"a keyset key cannot be a {type(value).__name__}")


def _token(row: Model, direction: str, name: str, keys: int) -> str:
    """The token for the position of `row` (its keys, annotated on it in order)."""
    values = [_plain(getattr(row, f"keyset_{i}")) for i in range(keys)]
    return signing.Signer(salt=f"safeguard.keyset.{name}").sign_object([direction, *values])


def _read(
    token: str | None, *, name: str, fields: Sequence[Field[Any, Any]]
) -> tuple[str, list[Any]] | None:
    """The direction and position a token of this list holds; None for no token, or for one this
    list did not give."""
    if not token or not isinstance(token, str) or len(token) > 1000:
        return None
    try:
        held = signing.Signer(salt=f"safeguard.keyset.{name}").unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(held, list) or len(held) != len(fields) + 1:
        return None
    if held[0] not in (_AFTER, _BEFORE):
        return None
    values = []
    for field, raw in zip(fields, held[1:], strict=True):
        if not isinstance(raw, bool | int | str):
            return None
        try:
            value = field.to_python(raw)
        except (ValidationError, TypeError, ValueError):
            return None
        if value is None:
            return None
        values.append(value)
    return held[0], values
