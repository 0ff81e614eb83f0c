"""The drill-down's lists (issue 8): for each kind of list, its columns, how a record reads as
a row, how it sorts in the database, and the page's heading. The view (drilldown_views) picks the
list, reads it through drilldown_selectors, and logs who saw which pupils."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, CharField, F, IntegerField, OrderBy, Value, When
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from concerns.models import Category
from oversight.dashboards.drilldown import selectors
from oversight.dashboards.drilldown.links import Show
from oversight.dashboards.figures import Period
from oversight.dashboards.tables import Cell, Column, duration, sort_parsed, text
from oversight.models import QaReviewStatus
from referrals.models import Urgency

TABLE_KEY = "records"


# --- Cells ---------------------------------------------------------------------------------


def _when(moment: datetime.datetime | None) -> Cell:
    if moment is None:
        return Cell("–", None, csv="")
    local = timezone.localtime(moment)
    return Cell(date_format(local, "j M Y H:i"), moment, csv=local.strftime("%Y-%m-%d %H:%M"))


def _day(day: datetime.date) -> Cell:
    return Cell(date_format(day, "j M Y"), day, csv=day.isoformat())


def _name_key(pupil: Any) -> tuple[str, str]:
    """How the lists sort pupils (as the database orders them: last name, first name)."""
    return (pupil.legal_last_name.casefold(), pupil.legal_first_name.casefold())


def _pupil(pupil: Any) -> Cell:
    href = reverse("pupil-safeguarding", kwargs={"pk": pupil.pk})
    return Cell(pupil.display_name, _name_key(pupil), href=href, csv=pupil.display_name)


def _names(pupils: Sequence[Any]) -> Cell:
    return Cell(", ".join(p.display_name for p in pupils), None)


def _concern_link(concern: Any) -> Cell:
    if concern is None:
        return Cell("–", None, csv="")
    href = reverse("concern-detail", kwargs={"pk": concern.pk})
    return Cell(concern.reference, concern.reference.casefold(), href=href)


# --- The lists -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """How one kind of list is drawn: its columns, how each column orders in the database
    (None: not sortable), the default order, a record's cells and the pupils it shows."""

    columns: Sequence[Column]
    order: Sequence[tuple[str | Any, ...] | None]  # field names ("-" reverses) or expressions
    default: tuple[int, bool]  # column, descending
    row: Callable[[Any], list[Cell]]
    pupils: Callable[[Any], list[Any]]

    def __post_init__(self) -> None:
        assert len(self.columns) == len(self.order)  # noqa: S101 (a programming error)


# The status as the list shows it ("New" until a DSL opens a concern), for sorting by it.
_SHOWN_STATUS = Case(
    When(opened_at__isnull=True, then=Value("new")),
    default=F("status"),
    output_field=CharField(),
)


def _concerns_listing(now: datetime.datetime, *, untriaged: bool) -> Listing:
    def row(concern: Any) -> list[Cell]:
        involvements = list(concern.involvements.all())
        labels: list[str] = []
        for involvement in involvements:
            for ic in involvement.involvementcategory_set.all():
                label = ic.label or ic.category.label
                if label not in labels:
                    labels.append(label)
        if untriaged:
            timing = duration(now - concern.written_at)
        elif concern.wait is None:
            timing = Cell("Not opened yet", None, csv="")
        else:
            timing = duration(concern.wait)
        review = getattr(concern, "qa_review", None)
        if review is None:
            qa = Cell(
                "Review",
                "review",
                href=reverse("qa-choose") + "?" + urlencode({"reference": concern.reference}),
                csv="Not reviewed",
            )
        else:
            href = reverse("qa-review", kwargs={"pk": review.pk})
            if review.status == QaReviewStatus.SUBMITTED:
                qa = text(str(review.get_rating_display()), href=href)
            else:
                qa = text("Review started", href=href)
        return [
            _concern_link(concern),
            _when(concern.written_at),
            Cell("; ".join(labels), None),
            _names([i.pupil for i in involvements]),
            # As the DSL's inbox says it: "New" until a DSL opens it.
            text("New" if concern.opened_at is None else str(concern.get_status_display())),
            timing,
            qa,
        ]

    return Listing(
        columns=[
            Column("Reference"),
            Column("Time of writing"),
            Column("Categories", sortable=False),
            Column("Pupils involved", sortable=False),
            Column("Status"),
            Column("Waiting for" if untriaged else "Time to DSL opening", numeric=True),
            Column("Quality assurance", sortable=False),
        ],
        order=[
            ("reference",),
            ("written_at",),
            None,
            None,
            (_SHOWN_STATUS,),
            ("-written_at",) if untriaged else ("wait",),
            None,
        ],
        default=(1, False) if untriaged else (1, True),
        row=row,
        pupils=lambda c: [i.pupil_id for i in c.involvements.all()],
    )


def _cp_files_listing(now: datetime.datetime) -> Listing:
    return Listing(
        columns=[
            Column("Pupil"),
            Column("Year group"),
            Column("Opened"),
            Column("Opened by", sortable=False),
            Column("Open for", numeric=True),
        ],
        order=[
            ("pupil__legal_last_name", "pupil__legal_first_name"),
            ("pupil__year_group",),
            ("opened_at",),
            None,
            ("-opened_at",),
        ],
        default=(2, False),
        row=lambda f: [
            _pupil(f.pupil),
            Cell(str(f.pupil.get_year_group_display()), f.pupil.year_group),
            _when(f.opened_at),
            Cell(f.opened_by.full_name, None),
            duration(now - f.opened_at),
        ],
        pupils=lambda f: [f.pupil_id],
    )


def _follow_up(referral: Any) -> Cell:
    if referral.follow_up_due_at is None:
        return Cell("Not needed", None)
    if referral.follow_up_at is not None:
        return Cell("Sent", None)
    due = timezone.localtime(referral.follow_up_due_at)
    return Cell(f"Outstanding, due {date_format(due, 'j M Y H:i')}", None)


# Most pressing first: the order the database sorts by and the cells' values agree.
_URGENCY_ORDER = [Urgency.IMMEDIATE, Urgency.URGENT, Urgency.ROUTINE]
_URGENCY_RANK = Case(
    *[When(urgency=u, then=Value(n)) for n, u in enumerate(_URGENCY_ORDER)],
    output_field=IntegerField(),
)


def _urgency(referral: Any) -> Cell:
    """The urgency in words (the CSV too: its rank only sorts the list)."""
    words = str(referral.get_urgency_display()).split(":")[0]
    rank = _URGENCY_ORDER.index(referral.urgency) if referral.urgency in _URGENCY_ORDER else None
    return Cell(words, rank, csv=words)


def _referrals_listing() -> Listing:
    return Listing(
        columns=[
            Column("Referral"),
            Column("Pupil"),
            Column("Urgency"),
            Column("Status"),
            Column("Response expected by"),
            Column("Written follow-up", sortable=False),
            Column("Concern"),
        ],
        order=[
            ("made_at",),
            ("pupil__legal_last_name", "pupil__legal_first_name"),
            (_URGENCY_RANK,),
            ("status",),
            ("response_due_at",),
            None,
            ("concern__reference",),
        ],
        default=(4, False),
        row=lambda r: [
            Cell(
                f"{r.agency_name}, {date_format(timezone.localtime(r.made_at), 'j M Y')}",
                r.made_at,
                href=reverse("referral-detail", kwargs={"pk": r.pk}),
            ),
            _pupil(r.pupil),
            _urgency(r),
            text(str(r.get_status_display())),
            _when(r.response_due_at),
            _follow_up(r),
            _concern_link(r.concern),
        ],
        pupils=lambda r: [r.pupil_id],
    )


def _actions_listing(today: datetime.date) -> Listing:
    def late(action: Any) -> Cell:
        days = (today - action.due_on).days
        if days <= 0:
            return Cell("Not yet", None, csv=0)
        return Cell(f"{days} day{'' if days == 1 else 's'}", days)

    return Listing(
        columns=[
            Column("Concern"),
            Column("What needs doing", sortable=False),
            Column("Owner", sortable=False),
            Column("Due by"),
            Column("Overdue by", numeric=True),
            Column("Pupils involved", sortable=False),
        ],
        order=[("concern__reference",), None, None, ("due_on",), ("-due_on",), None],
        default=(3, False),
        row=lambda a: [
            _concern_link(a.concern),
            Cell(a.description, None),
            Cell(a.owner.full_name, None),
            _day(a.due_on),
            late(a),
            _names([i.pupil for i in a.concern.involvements.all()]),
        ],
        pupils=lambda a: [i.pupil_id for i in a.concern.involvements.all()],
    )


def _reviews_listing(today: datetime.date) -> Listing:
    def what(review: selectors.ReviewDue) -> Cell:
        if review.kind == "risk_assessment":
            href = reverse("risk-assessment-detail", kwargs={"pk": review.record.pk})
            return text(f"Risk assessment: {review.record.title}", href=href)
        pupil = review.record.pupil
        href = reverse("pupil-safeguarding", kwargs={"pk": pupil.pk}) + "#statuses"
        return text(str(review.record.get_kind_display()), href=href)

    def late(review: selectors.ReviewDue) -> Cell:
        days = (today - review.review_date).days
        return Cell("Due today" if days == 0 else f"{days} day{'' if days == 1 else 's'}", days)

    return Listing(
        columns=[
            Column("Plan, status or risk assessment"),
            Column("Pupils"),
            Column("Review date"),
            Column("Overdue by", numeric=True),
        ],
        order=[None, None, None, None],  # a list, sorted in memory by the cells' values
        default=(2, False),
        row=lambda r: [
            what(r),
            Cell(
                ", ".join(p.display_name for p in r.pupils),
                [_name_key(p) for p in r.pupils],
            ),
            _day(r.review_date),
            late(r),
        ],
        pupils=lambda r: [p.pk for p in r.pupils],
    )


# --- Headings --------------------------------------------------------------------------------


def heading_for(
    show: Show, school_name: str, period: Period, category: Category | None, year: str | None
) -> str:
    if show == Show.CONCERNS:
        about = []
        if category is not None:
            # Quoted as the trust named it: "about other" or "about at risk of suspension" would
            # not read, and a name is not always a noun.
            about.append(f"in the category “{category.name}”")
        if year == selectors.NOT_RECORDED:
            about.append("about pupils with no year group recorded")
        elif year is not None:
            about.append(f"about pupils in {year}")
        words = " ".join(["Concerns", " and ".join(about)]).strip()
        return f"{words} at {school_name}, {period.dates}"
    return {
        Show.UNTRIAGED: "Concerns not yet opened by a DSL",
        Show.UNTRIAGED_OVER_A_DAY: "Concerns waiting more than a day to be opened by a DSL",
        Show.OPEN_CP_FILES: "Open child-protection files",
        Show.REFERRALS_OPEN: "Open referrals",
        Show.REFERRALS_OVERDUE: "Overdue referrals",
        Show.FOLLOW_UPS: "Referrals waiting for a written follow-up",
        Show.ACTIONS_OPEN: "Open actions",
        Show.ACTIONS_OVERDUE: "Overdue actions",
        Show.REVIEWS_DUE: "Reviews due",
    }[show] + f" at {school_name}"


NOUNS = {
    Show.CONCERNS: ("concern", "concerns"),
    Show.UNTRIAGED: ("concern not yet opened", "concerns not yet opened"),
    Show.UNTRIAGED_OVER_A_DAY: (
        "concern waiting more than a day",
        "concerns waiting more than a day",
    ),
    Show.OPEN_CP_FILES: ("open file", "open files"),
    Show.REFERRALS_OPEN: ("open referral", "open referrals"),
    Show.REFERRALS_OVERDUE: ("overdue referral", "overdue referrals"),
    Show.FOLLOW_UPS: ("written follow-up outstanding", "written follow-ups outstanding"),
    Show.ACTIONS_OPEN: ("open action", "open actions"),
    Show.ACTIONS_OVERDUE: ("overdue action", "overdue actions"),
    Show.REVIEWS_DUE: ("review due", "reviews due"),
}


# --- Sorting -----------------------------------------------------------------------------------


def sort_asked(request: HttpRequest, listing: Listing) -> tuple[int, bool]:
    """The column and direction `?sort=records.<n>.<asc|desc>` asks for, else the default."""
    return sort_parsed(request.GET.get("sort"), TABLE_KEY, listing.columns) or listing.default


def ordered(records: Any, listing: Listing, column: int, descending: bool) -> Any:
    """The records in the order asked: in the database for a query, in memory for a list
    (None last either way, as `Table.sorted_by` sorts)."""
    if isinstance(records, list):
        keyed = [(listing.row(r)[column].value, r) for r in records]
        present = [kr for kr in keyed if kr[0] is not None]
        missing = [kr for kr in keyed if kr[0] is None]
        present.sort(key=lambda kr: kr[0], reverse=descending)
        return [r for _, r in present + missing]
    fields = listing.order[column] or ()
    terms: list[OrderBy] = []
    for name in fields:
        flip = isinstance(name, str) and name.startswith("-")
        expression = F(name.lstrip("-")) if isinstance(name, str) else name
        down = descending != flip
        terms.append(expression.desc(nulls_last=True) if down else expression.asc(nulls_last=True))
    return records.order_by(*terms, "pk")


CONCERN_LISTS = (Show.CONCERNS, Show.UNTRIAGED, Show.UNTRIAGED_OVER_A_DAY)


def listing_for(show: Show, now: datetime.datetime) -> Listing:
    today = timezone.localdate(now)
    if show in CONCERN_LISTS:
        return _concerns_listing(now, untriaged=show != Show.CONCERNS)
    if show == Show.OPEN_CP_FILES:
        return _cp_files_listing(now)
    if show in (Show.REFERRALS_OPEN, Show.REFERRALS_OVERDUE, Show.FOLLOW_UPS):
        return _referrals_listing()
    if show in (Show.ACTIONS_OPEN, Show.ACTIONS_OVERDUE):
        return _actions_listing(today)
    return _reviews_listing(today)
