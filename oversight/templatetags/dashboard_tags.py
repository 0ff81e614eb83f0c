"""Drawing the dashboards' tables (`oversight.dashboards.tables`), with sort and download links."""

from __future__ import annotations

import html
from typing import Any

from django import template
from django.http import QueryDict
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from oversight.dashboards.tables import Table

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
        "body": _body(table),
        "csv_href": "?" + _query(request, csv=table.key) if download else "",
    }


def _escape(value: Any) -> str:
    """`conditional_escape` with a short way for plain text (most of a table's cells: Django's
    goes through its lazy-string wrapper for each one)."""
    if type(value) is str:
        return html.escape(value)
    return str(conditional_escape(value))


def _body(table: Table) -> SafeString:
    """The rows and the totals row, drawn in Python: a trust's tables hold thousands of cells,
    and the template language took 60 microseconds a cell (a fifth of a second a page)."""
    esc = _escape
    numeric = [c.numeric for c in table.columns]
    labels = [esc(c.label) for c in table.columns]
    out = ['<tbody class="govuk-table__body">']
    for row in table.rows:
        out.append('<tr class="govuk-table__row">')
        name = esc(row[0].text) if row else ""
        for n, cell in enumerate(row):
            if n == 0:
                out.append('<th scope="row" class="govuk-table__header">')
            elif numeric[n]:
                out.append('<td class="govuk-table__cell govuk-table__cell--numeric">')
            else:
                out.append('<td class="govuk-table__cell">')
            if cell.href:
                about = f"{labels[n]}, {name}" if n else labels[n]
                out.append(
                    f'<a class="govuk-link" href="{esc(cell.href)}">{esc(cell.text)}'
                    f'<span class="govuk-visually-hidden">: {about}</span></a>'
                )
            else:
                out.append(str(esc(cell.text)))
            if cell.flag:
                out.append(
                    f' <strong class="govuk-tag govuk-tag--red app-flag">{esc(cell.flag)}</strong>'
                )
            out.append("</th>" if n == 0 else "</td>")
        out.append("</tr>")
    if not table.rows:
        out.append(
            f'<tr class="govuk-table__row"><td class="govuk-table__cell" '
            f'colspan="{len(table.columns)}">{esc(table.empty)}</td></tr>'
        )
    out.append("</tbody>")
    if table.foot:
        out.append('<tfoot><tr class="govuk-table__row">')
        for n, cell in enumerate(table.foot):
            if n == 0:
                out.append(f'<th scope="row" class="govuk-table__header">{esc(cell.text)}</th>')
            else:
                css = " govuk-table__cell--numeric" if numeric[n] else ""
                out.append(
                    f'<td class="govuk-table__cell govuk-!-font-weight-bold{css}">'
                    f"{esc(cell.text)}</td>"
                )
        out.append("</tr></tfoot>")
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
