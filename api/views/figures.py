"""The dashboards' figures for a trust's reports (Power BI, a data warehouse): one school's, and
the whole trust's for a trust-wide client. The same figures as the dashboard pages, from the same
functions (`oversight.dashboards.figures`), never a name of a child or a member of staff.

A client reads figures as the governor does (it has the school's aggregates and not its lists):
the breakdown by pupil characteristic hides counts of 1 and 2 and the count that would give one
away by subtraction, and the figures are never narrowed to a group of pupils (docs/adr/0026).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from oversight.dashboards.figures import (
    UNTRIAGED_AGE_BANDS,
    Period,
    PupilGroupCounts,
    SchoolFigures,
    school_figures,
    trust_figures,
)
from oversight.dashboards.forms import period_problems
from oversight.dashboards.pupil_groups import ALL_PUPILS, CHARACTERISTICS
from oversight.dashboards.pupil_tables import group_rows, sum_counts
from safeguard.access import access_for
from safeguard.params import whole_number
from safeguard.roles import Perm
from schools.models import Trust

from ..problems import NOT_FOUND
from ..scopes import ApiScope
from .base import ClientApiView
from .schools import client_school

# --- The query --------------------------------------------------------------------------------


class PeriodQuery(serializers.Serializer):
    """The dates of the figures, both included; left out, this term."""

    start = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text="The first day (YYYY-MM-DD). Left out: the start of the term of `end`, or of "
        "this term.",
        error_messages={"invalid": "Enter the first day as YYYY-MM-DD, such as 2026-09-01"},
    )
    end = serializers.DateField(
        required=False,
        input_formats=["iso-8601"],
        help_text="The last day (YYYY-MM-DD), at most five years after the first. Left out: the "
        "end of the term of `start`, or of this term.",
        error_messages={"invalid": "Enter the last day as YYYY-MM-DD, such as 2026-12-31"},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # The dashboards' own rules (their filter's): the same dates are refused the same way.
        problems = period_problems(attrs.get("start"), attrs.get("end"))
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class TrustQuery(PeriodQuery):
    breakdown = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Add each school's pupils and concerns by pupil characteristic (for a whole "
        "trust it takes about as long as every other figure together, so only when asked).",
        error_messages={"invalid": "Enter true or false"},
    )


def _query(request: Request, serializer_class: type[PeriodQuery]) -> dict[str, Any]:
    """The query's values, checked (400 with each field's problem); an empty value is as if it
    were left out, as on the dashboards' filter."""
    given = {
        k: v for k, v in request.query_params.items() if k in serializer_class._declared_fields
    }
    query = serializer_class(data={k: v for k, v in given.items() if v != ""})
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


# --- The answer's shape -----------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    name = serializers.CharField(help_text='Its term\'s name ("Autumn term 2026"), else its dates.')


class CategoryCountSerializer(serializers.Serializer):
    category_id = serializers.IntegerField()
    label = serializers.CharField(help_text="A heading of the trust's list of categories.")
    count = serializers.IntegerField(help_text="Concerns of the period with this heading.")
    previous = serializers.IntegerField(help_text="The same in the period before.")


class YearGroupCountSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="The year group as signed on the concern.")
    count = serializers.IntegerField()
    previous = serializers.IntegerField()


class ConcernCountsSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text="Concerns written (signed) in the period.")
    written_previous = serializers.IntegerField()
    opened = serializers.IntegerField(help_text="Of those, the ones a DSL has opened.")
    opened_previous = serializers.IntegerField()


class TimeToOpenSerializer(serializers.Serializer):
    median_seconds = serializers.FloatField(allow_null=True)
    p90_seconds = serializers.FloatField(allow_null=True, help_text="The 90th percentile.")
    median_seconds_previous = serializers.FloatField(allow_null=True)
    p90_seconds_previous = serializers.FloatField(allow_null=True)
    slipping = serializers.BooleanField(
        help_text="The median is at least a quarter and at least an hour longer than in the "
        "period before (docs/adr/0020)."
    )


class AgeBandSerializer(serializers.Serializer):
    band = serializers.ChoiceField(choices=[key for key, _ in UNTRIAGED_AGE_BANDS])
    label = serializers.CharField()
    count = serializers.IntegerField()


class NowSerializer(serializers.Serializer):
    """Figures as they stand at `as_of`, whatever the dates."""

    untriaged = serializers.IntegerField(help_text="Concerns not yet opened by a DSL.")
    untriaged_by_age = AgeBandSerializer(many=True)
    oldest_untriaged_since = serializers.DateTimeField(allow_null=True)
    open_cp_files = serializers.IntegerField()
    referrals_open = serializers.IntegerField()
    referrals_overdue = serializers.IntegerField()
    follow_ups_outstanding = serializers.IntegerField(help_text="Written follow-ups owed.")
    actions_open = serializers.IntegerField()
    actions_overdue = serializers.IntegerField()
    reviews_due = serializers.IntegerField(help_text="Risk assessments, plans and statuses.")
    reviews_upcoming = serializers.IntegerField(help_text="Due in the next 14 days.")


class PupilGroupSerializer(serializers.Serializer):
    characteristic = serializers.CharField(help_text='"sen", "fsm"... (blank for all pupils).')
    characteristic_label = serializers.CharField()
    group = serializers.CharField(help_text='"sen-support", "fsm-yes"... ("all").')
    label = serializers.CharField()
    on_roll = serializers.IntegerField(allow_null=True, help_text="Null when hidden.")
    with_concerns = serializers.IntegerField(
        allow_null=True, help_text="Pupils named on a concern of the period. Null when hidden."
    )
    concerns = serializers.IntegerField(
        allow_null=True, help_text="Concerns naming a pupil of the group. Null when hidden."
    )
    with_concerns_per_100 = serializers.FloatField(
        allow_null=True, help_text="Per 100 on roll, to one decimal place."
    )
    concerns_per_100 = serializers.FloatField(allow_null=True)
    hidden = serializers.DictField(
        child=serializers.CharField(),
        help_text='The counts hidden and why: "fewer than 3", or "not shown" (it would give a '
        "small count away by subtraction from the total).",
    )


class SchoolFiguresSerializer(serializers.Serializer):
    school_id = serializers.IntegerField()
    school_name = serializers.CharField()
    concerns = ConcernCountsSerializer()
    by_category = CategoryCountSerializer(many=True)
    by_year_group = YearGroupCountSerializer(many=True)
    time_to_open = TimeToOpenSerializer()
    now = NowSerializer()
    by_pupil_characteristic = PupilGroupSerializer(
        many=True,
        allow_null=True,
        help_text="Pupils and concerns by pupil characteristic (null on a trust's figures "
        "unless `breakdown` is asked for).",
    )


class SchoolFiguresResponse(SchoolFiguresSerializer):
    period = PeriodSerializer()
    previous_period = PeriodSerializer(help_text="The term before, or as many days before.")
    as_of = serializers.DateTimeField(help_text="When the figures were read.")


class TrustCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()


class WeeklySerializer(serializers.Serializer):
    category_id = serializers.IntegerField()
    label = serializers.CharField()
    counts = serializers.ListField(
        child=serializers.IntegerField(), help_text="Concerns per week, aligned with `weeks`."
    )


class OutlierSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["school", "category", "school_category"])
    school_id = serializers.IntegerField(allow_null=True)
    category_id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Concerns in the last 28 days.")
    mean = serializers.FloatField(help_text="The average of the six 28-day windows before.")
    stdev = serializers.FloatField()
    threshold = serializers.FloatField()


class TrustFiguresResponse(serializers.Serializer):
    trust_id = serializers.IntegerField()
    trust_name = serializers.CharField()
    period = PeriodSerializer()
    previous_period = PeriodSerializer()
    as_of = serializers.DateTimeField()
    categories = TrustCategorySerializer(many=True)
    schools = SchoolFiguresSerializer(many=True)
    weeks = serializers.ListField(
        child=serializers.DateField(),
        help_text="The Mondays of the 52 weeks to the week of the period's end, oldest first.",
    )
    weekly_by_category = WeeklySerializer(many=True)
    outlier_window = PeriodSerializer(help_text="The last 28 days, which outliers are about.")
    outliers = OutlierSerializer(many=True)
    by_pupil_characteristic = PupilGroupSerializer(
        many=True,
        allow_null=True,
        help_text="The schools together (null unless `breakdown` is asked for).",
    )


# --- From the figures to the answer -------------------------------------------------------


def _period(period: Period) -> dict[str, Any]:
    return {"start": period.start, "end": period.end, "name": period.name}


def _seconds(d: datetime.timedelta | None) -> float | None:
    return None if d is None else d.total_seconds()


def _count(cell: Any) -> int | None:
    return cell.value if isinstance(cell.value, int) else None


def _rate(cell: Any) -> float | None:
    return None if cell.value is None else round(cell.value, 1)


def pupil_groups(counts: dict[str, PupilGroupCounts]) -> list[dict[str, Any]]:
    """The breakdown by pupil characteristic as the governor's table has it (`group_rows` with
    small counts hidden): all pupils once, then each characteristic's groups."""
    out: list[dict[str, Any]] = []
    for n, characteristic in enumerate(CHARACTERISTICS):
        for row in group_rows(counts, characteristic, suppress=True):
            if row.group is ALL_PUPILS and n > 0:
                continue
            on_roll, named, concerns, named_rate, concerns_rate = row.cells
            counted = {"on_roll": on_roll, "with_concerns": named, "concerns": concerns}
            everyone = row.group is ALL_PUPILS
            out.append(
                {
                    "characteristic": "" if everyone else characteristic,
                    "characteristic_label": "" if everyone else CHARACTERISTICS[characteristic],
                    "group": row.group.key,
                    "label": row.group.label,
                    **{name: _count(cell) for name, cell in counted.items()},
                    "with_concerns_per_100": _rate(named_rate),
                    "concerns_per_100": _rate(concerns_rate),
                    "hidden": {
                        name: cell.text for name, cell in counted.items() if _count(cell) is None
                    },
                }
            )
    return out


def school_json(f: SchoolFigures, *, breakdown: bool) -> dict[str, Any]:
    """One school's figures (`SchoolFiguresSerializer`)."""
    return {
        "school_id": f.school_id,
        "school_name": f.school_name,
        "concerns": {
            "written": f.concerns,
            "written_previous": f.concerns_previous,
            "opened": f.opened,
            "opened_previous": f.opened_previous,
        },
        "by_category": [vars(c) for c in f.by_category],
        "by_year_group": [vars(y) for y in f.by_year_group],
        "time_to_open": {
            "median_seconds": _seconds(f.time_to_open_median),
            "p90_seconds": _seconds(f.time_to_open_p90),
            "median_seconds_previous": _seconds(f.time_to_open_median_previous),
            "p90_seconds_previous": _seconds(f.time_to_open_p90_previous),
            "slipping": f.triage_slipping,
        },
        "now": {
            "untriaged": f.untriaged,
            "untriaged_by_age": [
                {"band": key, "label": label, "count": f.untriaged_ages.get(key, 0)}
                for key, label in UNTRIAGED_AGE_BANDS
            ],
            "oldest_untriaged_since": f.oldest_untriaged_since,
            "open_cp_files": f.open_cp_files,
            "referrals_open": f.referrals_open,
            "referrals_overdue": f.referrals_overdue,
            "follow_ups_outstanding": f.follow_ups_outstanding,
            "actions_open": f.actions_open,
            "actions_overdue": f.actions_overdue,
            "reviews_due": f.reviews_due,
            "reviews_upcoming": f.reviews_upcoming,
        },
        "by_pupil_characteristic": pupil_groups(f.by_pupil_group) if breakdown else None,
    }


# --- The operations -------------------------------------------------------------------------

_SCHOOL_EXAMPLE = {
    "school_id": 3,
    "school_name": "Riverside Primary",
    "period": {"start": "2026-09-01", "end": "2026-12-31", "name": "Autumn term 2026"},
    "previous_period": {"start": "2026-04-01", "end": "2026-08-31", "name": "Summer term 2026"},
    "as_of": "2026-11-20T12:00:00Z",
    "concerns": {"written": 5, "written_previous": 3, "opened": 3, "opened_previous": 2},
    "by_category": [
        {"category_id": 12, "label": "Abuse", "count": 3, "previous": 1},
        {"category_id": 14, "label": "Bullying", "count": 2, "previous": 1},
    ],
    "by_year_group": [{"label": "Year 7", "count": 4, "previous": 1}],
    "time_to_open": {
        "median_seconds": 10800.0,
        "p90_seconds": 16560.0,
        "median_seconds_previous": 10800.0,
        "p90_seconds_previous": 13680.0,
        "slipping": False,
    },
    "now": {
        "untriaged": 1,
        "untriaged_by_age": [
            {"band": "under_1_hour", "label": "Under 1 hour", "count": 1},
            {"band": "1_hour_to_1_day", "label": "1 hour to 1 day", "count": 0},
            {"band": "1_to_3_days", "label": "1 to 3 days", "count": 0},
            {"band": "over_3_days", "label": "More than 3 days", "count": 0},
        ],
        "oldest_untriaged_since": "2026-11-20T11:30:00Z",
        "open_cp_files": 2,
        "referrals_open": 3,
        "referrals_overdue": 1,
        "follow_ups_outstanding": 1,
        "actions_open": 2,
        "actions_overdue": 1,
        "reviews_due": 2,
        "reviews_upcoming": 1,
    },
    "by_pupil_characteristic": [
        {
            "characteristic": "",
            "characteristic_label": "",
            "group": "all",
            "label": "All pupils",
            "on_roll": 212,
            "with_concerns": 4,
            "concerns": 5,
            "with_concerns_per_100": 1.9,
            "concerns_per_100": 2.4,
            "hidden": {},
        },
        {
            "characteristic": "sen",
            "characteristic_label": "Special educational needs",
            "group": "ehc-plan",
            "label": "EHC plan",
            "on_roll": 6,
            "with_concerns": None,
            "concerns": None,
            "with_concerns_per_100": None,
            "concerns_per_100": None,
            "hidden": {"with_concerns": "fewer than 3", "concerns": "fewer than 3"},
        },
    ],
}


class SchoolFiguresView(ClientApiView):
    required_scope = ApiScope.FIGURES_READ

    @extend_schema(
        operation_id="school_figures_retrieve",
        summary="The school's dashboard figures",
        description=(
            "The school dashboard's figures for the dates asked for (this term when none are), "
            "compared with the term before (or as many days before). Counts only: never a name "
            "of a child or a member of staff. In the breakdown by pupil characteristic counts "
            "of 1 and 2 are hidden, as on the governor's page (docs/adr/0026)."
        ),
        parameters=[PeriodQuery],
        responses=SchoolFiguresResponse,
        examples=[OpenApiExample("This term", value=_SCHOOL_EXAMPLE, response_only=True)],
        tags=["figures"],
    )
    def get(self, request: Request, school_id: int) -> Response:
        school = client_school(request, school_id)
        query = _query(request, PeriodQuery)
        now = timezone.now()
        period, previous, figures = school_figures(
            actor=request.user,
            school=school,
            start=query.get("start"),
            end=query.get("end"),
            now=now,
            breakdown=True,
        )
        body = {
            **school_json(figures, breakdown=True),
            "period": _period(period),
            "previous_period": _period(previous),
            "as_of": now,
        }
        return Response(SchoolFiguresResponse(body).data)


def client_trust(request: Request, trust_id: Any) -> Trust:
    """The trust of the URL if the client reads its figures (a trust-wide client's own); any
    other id, a school's client, or none, is the same 404."""
    trust_pk = whole_number(str(trust_id))
    if trust_pk is None or trust_pk not in access_for(request.user).trust_ids_with(
        Perm.VIEW_TRUST_DASHBOARD
    ):
        raise NotFound(NOT_FOUND)
    return Trust.objects.get(pk=trust_pk)


_IN_A_TRUST = {
    k: v for k, v in _SCHOOL_EXAMPLE.items() if k not in {"period", "previous_period", "as_of"}
}
_TRUST_EXAMPLE = {
    "trust_id": 1,
    "trust_name": "Northshire Learning Trust",
    "period": _SCHOOL_EXAMPLE["period"],
    "previous_period": _SCHOOL_EXAMPLE["previous_period"],
    "as_of": "2026-11-20T12:00:00Z",
    "categories": [{"id": 12, "label": "Abuse"}, {"id": 14, "label": "Bullying"}],
    "schools": [{**_IN_A_TRUST, "by_pupil_characteristic": None}],
    "weeks": ["2026-11-09", "2026-11-16"],  # 52 Mondays: the last two shown
    "weekly_by_category": [
        {"category_id": 12, "label": "Abuse", "counts": [1, 2]},
        {"category_id": 14, "label": "Bullying", "counts": [4, 5]},
    ],
    "outlier_window": {
        "start": "2026-10-24",
        "end": "2026-11-20",
        "name": "24 October to 20 November 2026",
    },
    "outliers": [
        {
            "kind": "school_category",
            "school_id": 3,
            "category_id": 14,
            "label": "Bullying at Riverside Primary",
            "count": 9,
            "mean": 2.5,
            "stdev": 0.5,
            "threshold": 5.5,
        }
    ],
    "by_pupil_characteristic": None,
}


class TrustFiguresView(ClientApiView):
    required_scope = ApiScope.FIGURES_READ

    @extend_schema(
        operation_id="trust_figures_retrieve",
        summary="The trust's dashboard figures",
        description=(
            "For a trust-wide client: the trust dashboard's figures, every school side by side "
            "for the dates asked for (this term when none are), the weekly trend per category "
            "over the 12 months to the period's end, and what is well above usual in the last "
            "28 days (docs/adr/0020). A school's client gets 404, as for any other trust."
        ),
        parameters=[TrustQuery],
        responses=TrustFiguresResponse,
        examples=[OpenApiExample("This term", value=_TRUST_EXAMPLE, response_only=True)],
        tags=["figures"],
    )
    def get(self, request: Request, trust_id: int) -> Response:
        trust = client_trust(request, trust_id)
        query = _query(request, TrustQuery)
        breakdown = bool(query.get("breakdown"))
        now = timezone.now()
        figures = trust_figures(
            actor=request.user,
            trust=trust,
            start=query.get("start"),
            end=query.get("end"),
            now=now,
            breakdown=breakdown,
        )
        labels = dict(figures.categories)
        body = {
            "trust_id": trust.pk,
            "trust_name": trust.name,
            "period": _period(figures.period),
            "previous_period": _period(figures.previous),
            "as_of": now,
            "categories": [{"id": cid, "label": label} for cid, label in figures.categories],
            "schools": [school_json(f, breakdown=breakdown) for f in figures.schools],
            "weeks": figures.weeks,
            "weekly_by_category": [
                {"category_id": cid, "label": labels[cid], "counts": counts}
                for cid, counts in figures.weekly.items()
            ],
            "outlier_window": _period(figures.outlier_windows[0]),
            "outliers": [vars(o) for o in figures.outliers],
            "by_pupil_characteristic": pupil_groups(
                sum_counts([f.by_pupil_group for f in figures.schools])
            )
            if breakdown
            else None,
        }
        return Response(TrustFiguresResponse(body).data)
