"""Drawing the dashboards' tables (`oversight.tables`) with their sort and download links."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

from ..tables import Table

register = template.Library()


def _query(request: Any, **changes: str) -> str:
    """The page's query string with `changes` made (and no `csv`), for links that keep filters."""
    params: QueryDict = request.GET.copy()
    params.pop("csv", None)
    if "sort" in changes:  # a new order starts at its first page
        params.pop("page", None)
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()


@register.inclusion_tag("oversight/_table.html", takes_context=True)
def data_table(context: Any, table: Table, download: bool = True) -> dict[str, Any]:
    """A GOV.UK table in a scrolling, labelled region, headers linking to sort it (the order a
    click gives is the reverse of the current one), and a link to download it as CSV."""
    request = context["request"]
    headers = []
    for n, column in enumerate(table.columns):
        current = table.sort_column == n
        if current:
            aria, next_order = ("descending", "asc") if table.descending else ("ascending", "desc")
        else:
            aria, next_order = "none", "desc" if column.numeric else "asc"
        headers.append(
            {
                "column": column,
                "aria_sort": aria if column.sortable else "",
                "href": "?"
                + _query(request, sort=f"{table.key}.{n}.{next_order}")
                + f"#table-{table.key}"
                if column.sortable
                else "",
            }
        )
    return {
        "table": table,
        "headers": headers,
        "rows": [list(zip(table.columns, row, strict=True)) for row in table.rows],
        "foot": list(zip(table.columns, table.foot, strict=True)) if table.foot else None,
        "csv_href": "?" + _query(request, csv=table.key) if download else "",
    }
