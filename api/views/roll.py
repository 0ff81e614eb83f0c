"""The pupil roll kept in step with the MIS (scope `roll:write`): pupils upserted by UPN, leavers
marked, and the roll read back for reconciliation (issue 17, docs/adr/0035).

The writes go through the roll import's plan and write path (`roll.sync`), so a value the import
screens refuse is refused here with the same words; the read goes through the pupil list's
selector. Nothing of a child's safeguarding records is ever read out or hinted at.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from roll.selectors import roll_list_for
from roll.sync import (
    LEAVER_FIELDS,
    ROLL_BATCH,
    UPSERT_FIELDS,
    RollBatch,
    roll_leavers,
    roll_upsert,
)
from schools.models import Pupil, YearGroup

from ..scopes import ApiScope
from .base import ClientApiView
from .schools import client_school


class TooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is larger than the API takes."


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The roll changed while this request was being applied: send it again."


# --- What a system sends ------------------------------------------------------------------------

_DATE_HELP = "A date as yyyy-mm-dd (dd/mm/yyyy is read too, as the import reads it)."


def _text(help_text: str, **kwargs: Any) -> serializers.CharField:
    """A value sent as text and read by the roll import's own rules (roll/imports/fields.py),
    not here: blank or null is "not recorded" (or, for a required field, a problem)."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        help_text=help_text,
        **kwargs,
    )


@extend_schema_field({"type": "boolean", "nullable": True})
class YesNoField(serializers.Field):
    """true, false, or null for "not recorded" (the import's words, like "Yes" or "N", are read
    too), passed on as the import's text."""

    default_error_messages = {"invalid": "Must be true, false or null (not recorded)"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool):
            return "Yes" if data else "No"
        if isinstance(data, str):
            return data
        self.fail("invalid")
        return ""  # not reached: fail raises

    def to_representation(self, value: Any) -> Any:
        return value


class _Batch(serializers.Serializer):
    """An item of a batch, as text for the roll's own reading; a field it does not know is
    refused (a typo must not pass as a field left out)."""

    known: ClassVar[tuple[str, ...]] = ()

    def to_internal_value(self, data: Any) -> dict[str, str]:
        if isinstance(data, dict):
            unknown = [key for key in data if key not in self.fields]
            if unknown:
                raise serializers.ValidationError({key: [self.unknown(key)] for key in unknown})
        values = super().to_internal_value(data)
        return {key: "" if value is None else value for key, value in values.items()}

    def unknown(self, key: str) -> str:
        return f"Not a field this takes: send only {', '.join(self.known)}"


class RollPupilInSerializer(_Batch):
    """A pupil as the MIS has them: the fields it gives. A field not sent is left as the roll
    has it; blank or null is "not recorded" (for a name, date of birth or year group, a
    problem)."""

    known = UPSERT_FIELDS

    upn = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="The unique pupil number: pupils are matched by it, within the school only.",
    )
    legal_first_name = _text("Required for a pupil not yet on the roll.")
    legal_middle_names = _text("")
    legal_last_name = _text("Required for a pupil not yet on the roll.")
    preferred_first_name = _text("")
    preferred_last_name = _text("")
    date_of_birth = _text(f"Required for a pupil not yet on the roll. {_DATE_HELP}")
    year_group = _text(
        "Required for a pupil not yet on the roll: N (nursery), R (reception) or 1 to 13; "
        '"Year 7", "Y7" and "Reception" are read too.'
    )
    registration_group = _text("")
    admission_number = _text("")
    gender = _text("The DfE's code: M, F or U.")
    ethnicity = _text("The DfE's ethnicity code, like WBRI.")
    sen_provision = _text("N (none), K (SEN support) or E (EHC plan).")
    fsm_eligible = YesNoField(help_text="Eligible for free school meals.")
    pupil_premium = YesNoField()
    looked_after = YesNoField()
    joined_on = _text(f"The date of admission; today for a new pupil when not given. {_DATE_HELP}")

    def unknown(self, key: str) -> str:
        if key == "left_on":
            return "Mark a leaver with POST …/leavers/ (it asks where they went), not here"
        return super().unknown(key)


class RollUpsertSerializer(serializers.Serializer):
    pupils = RollPupilInSerializer(
        many=True,
        allow_empty=False,
        help_text=f"Up to {ROLL_BATCH:,} pupils, each named once by UPN.",
    )
    dry_run = serializers.BooleanField(
        default=False,
        help_text="true: answer with what would change, and change nothing.",
    )


class LeaverInSerializer(_Batch):
    """A pupil of the school leaving, or who has left, named by UPN."""

    known = LEAVER_FIELDS

    upn = serializers.CharField(allow_blank=True, trim_whitespace=False)
    left_on = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text=f"The leaving date (past, or up to a year ahead). {_DATE_HELP}",
    )
    leaving_destination = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="Where the pupil went: the new school, or another destination.",
    )


class RollLeaversSerializer(serializers.Serializer):
    leavers = LeaverInSerializer(
        many=True,
        allow_empty=False,
        help_text=f"Up to {ROLL_BATCH:,} leavers, each named once by UPN.",
    )
    dry_run = serializers.BooleanField(
        default=False,
        help_text="true: answer with what would change, and change nothing.",
    )


# --- What the API answers -----------------------------------------------------------------------


class _OutcomeSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The pupil's place in the request's list, from 0.")
    upn = serializers.CharField()
    id = serializers.UUIDField(
        source="pupil_id",
        allow_null=True,
        help_text="The pupil's id in Safeguard; null for a pupil a dry run would add.",
    )
    fields = serializers.ListField(
        child=serializers.CharField(), help_text="The fields changed (or that would be)."
    )


class UpsertOutcomeSerializer(_OutcomeSerializer):
    outcome = serializers.ChoiceField(choices=["added", "updated", "unchanged"])


class LeaverOutcomeSerializer(_OutcomeSerializer):
    outcome = serializers.ChoiceField(
        choices=["left", "updated", "unchanged"],
        help_text="left: newly marked as leaving; updated: the date or destination changed.",
    )


class _BatchResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    changed = serializers.BooleanField(
        source="written",
        help_text="Whether the roll was changed: false for a dry run, and for a batch the roll "
        "already matched (sent again, it changes nothing).",
    )


class UpsertResultSerializer(_BatchResultSerializer):
    added = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    pupils = UpsertOutcomeSerializer(many=True, source="outcomes")


class LeaversResultSerializer(_BatchResultSerializer):
    left = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    leavers = LeaverOutcomeSerializer(many=True, source="outcomes")


def _answer(batch: RollBatch, *, dry_run: bool, list_name: str, counts: list[str]) -> Response:
    """200 with each pupil's outcome, or 400 with every problem (and nothing changed)."""
    if batch.problems:
        raise serializers.ValidationError({list_name: _problems_by_index(batch)})
    result = {
        "dry_run": dry_run,
        "written": batch.written,
        "outcomes": batch.outcomes,
        **{name: batch.count(name) for name in counts},
    }
    answer = UpsertResultSerializer if list_name == "pupils" else LeaversResultSerializer
    return Response(answer(result).data)


def _problems_by_index(batch: RollBatch) -> dict[int, dict[str, list[str]]]:
    """The problems in DRF's shape for a list's items (keyed by place), so each is reported as
    `pupils[3].upn` (a problem with the pupil as a whole as `pupils[3]`)."""
    by_index: dict[int, dict[str, list[str]]] = {}
    for problem in batch.problems:
        fields = by_index.setdefault(problem.index, {})
        fields.setdefault(problem.field or "non_field_errors", []).append(problem.message)
    return by_index


def _refuse_too_many(request: Request, list_name: str) -> None:
    """413 before reading a batch longer than the API takes (each is read in full)."""
    data = request.data
    items = data.get(list_name) if isinstance(data, dict) else None
    if isinstance(items, list) and len(items) > ROLL_BATCH:
        raise TooLarge(
            f"Send at most {ROLL_BATCH:,} {list_name} in one call; this had {len(items):,}. "
            "Nothing was changed: send them in smaller batches."
        )


def _service(call: Any, **kwargs: Any) -> RollBatch:
    try:
        result: RollBatch = call(**kwargs)
    except DjangoValidationError as refused:
        raise Conflict(" ".join(refused.messages)) from None
    return result


# --- The roll as the MIS sees it ----------------------------------------------------------------


class RollPupilSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The pupil's id in Safeguard.")
    upn = serializers.CharField(help_text="Blank when the roll has none.")
    legal_first_name = serializers.CharField()
    legal_middle_names = serializers.CharField()
    legal_last_name = serializers.CharField()
    preferred_first_name = serializers.CharField()
    preferred_last_name = serializers.CharField()
    date_of_birth = serializers.DateField()
    year_group = serializers.ChoiceField(choices=YearGroup.choices)
    joined_on = serializers.DateField()
    left_on = serializers.DateField(allow_null=True, help_text="Null for a pupil on the roll.")
    on_roll = serializers.SerializerMethodField(
        help_text="Not marked as left, or leaving after today (as the pupil list counts them)."
    )
    updated_at = serializers.DateTimeField(help_text="When the pupil's roll entry last changed.")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_on_roll(self, pupil: Pupil) -> bool:
        return pupil.left_on is None or pupil.left_on > self.context["today"]


class RollListQuerySerializer(serializers.Serializer):
    updated_since = serializers.DateTimeField(
        required=False,
        help_text="Only pupils whose roll entry changed at or after this time (ISO 8601).",
        error_messages={
            "invalid": "Give the time as ISO 8601, like 2026-09-01T08:00:00Z",
            "make_aware": "Give the time with its offset from UTC, like 2026-09-01T08:00:00Z",
        },
    )
    on_roll = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: only pupils on the roll; false: only those who have left.",
        error_messages={"invalid": "Must be true or false"},
    )


class RollCursorPagination(CursorPagination):
    # The pupil's id: unique and never changing, so a page never repeats or skips a pupil
    # however many share a time of change (an import stamps thousands with one).
    ordering = "id"
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def decode_cursor(self, request: Request) -> Any:
        """DRF's cursor, its position checked to be a pupil's id: a cursor no page gave (a
        position that is no UUID) is refused as DRF refuses one it cannot read, never a 500."""
        cursor = super().decode_cursor(request)
        if cursor is not None and cursor.position is not None:
            try:
                uuid.UUID(str(cursor.position))
            except ValueError:
                raise exceptions.NotFound(self.invalid_cursor_message) from None
        return cursor

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        page = super().get_paginated_response_schema(schema)
        link = "https://safeguard.example/api/v1/schools/3/pupils/?cursor="
        page["properties"]["next"]["example"] = link + "cD0zZjFjMmE5ZQ%3D%3D"
        page["properties"]["previous"]["example"] = link + "cj0xJnA9M2YxYzJhOWU%3D"
        return page


_PUPIL_EXAMPLE = {
    "id": "3f1c2a9e-6d1b-4c0e-9a57-0b6f2f6d8a11",
    "upn": "W881000100001",
    "legal_first_name": "Amara",
    "legal_middle_names": "",
    "legal_last_name": "Okafor",
    "preferred_first_name": "",
    "preferred_last_name": "",
    "date_of_birth": "2014-03-12",
    "year_group": "7",
    "joined_on": "2025-09-03",
    "left_on": None,
    "on_roll": True,
    "updated_at": "2026-09-01T07:30:12.482913Z",
}


def _etag(body: Any) -> str:
    text = json.dumps(body, sort_keys=True, cls=DjangoJSONEncoder)
    return quote_etag(hashlib.sha256(text.encode()).hexdigest()[:40])


def _matches(etag: str, if_none_match: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110 13.1.2): W/ is ignored."""
    tags = parse_etags(if_none_match)
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


class RollPupils(ClientApiView):
    required_scope = ApiScope.ROLL_WRITE
    pagination_class = RollCursorPagination

    @extend_schema(
        operation_id="roll_pupils_list",
        summary="The roll as Safeguard holds it",
        description=(
            "Every pupil of the school, on the roll and left, for reconciling with the MIS: "
            "names, UPN, date of birth, year group and whether on the roll. Never anything of "
            "their safeguarding records. Ordered by id and paged by cursor (follow `next`); "
            "`updated_since` gives only what changed. Each page has an ETag: send it back as "
            "If-None-Match and an unchanged page answers 304 with no body."
        ),
        parameters=[
            RollListQuerySerializer,
            OpenApiParameter(
                "If-None-Match",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The ETag of the page as last fetched: 304 if it has not changed.",
            ),
            OpenApiParameter(
                "ETag",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                response=[200, 304],
                description="The page's version: send it as If-None-Match next time.",
            ),
        ],
        responses={
            200: RollPupilSerializer(many=True),
            304: OpenApiResponse(description="The page has not changed since its ETag."),
            400: OpenApiResponse(description="A filter that cannot be read (each one listed)."),
        },
        examples=[
            OpenApiExample(
                "A page of the roll",
                # One pupil: drf-spectacular wraps it in a page.
                value=_PUPIL_EXAMPLE,
                response_only=True,
                status_codes=["200"],
            )
        ],
        tags=["roll"],
    )
    def get(self, request: Request, school_id: int) -> Response:
        school = client_school(request, school_id)
        query = RollListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pupils = roll_list_for(
            actor=request.user,
            school=school,
            on_roll=query.validated_data.get("on_roll"),
            updated_since=query.validated_data.get("updated_since"),
        ).only(*RollPupilSerializer().fields.keys() - {"on_roll"})
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(pupils, request, view=self)
        data = RollPupilSerializer(page, many=True, context={"today": timezone.localdate()}).data
        response = paginator.get_paginated_response(data)
        etag = _etag(response.data)
        if _matches(etag, request.headers.get("If-None-Match", "")):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        response["ETag"] = etag
        # The client may keep the page and ask again with its ETag; no shared cache may.
        response["Cache-Control"] = "private, no-cache"
        patch_vary_headers(response, ["Authorization"])
        return response

    @extend_schema(
        operation_id="roll_pupils_upsert",
        summary="Add or update pupils by UPN",
        description=(
            f"Up to {ROLL_BATCH:,} pupils a call, matched by UPN within the school (a pupil on "
            "the roll without a UPN by admission number, or legal name and date of birth, as the "
            "import matches, and given the UPN). A pupil not on the roll is added; one on it is "
            "updated in the fields sent (a field not sent is left as it is); one the roll "
            "already matches is unchanged, so the same batch sent twice changes nothing the "
            "second time (`changed: false`). A pupil marked as left who is sent is back on the "
            "roll, as an import does; leavers are marked with `…/leavers/`. Every value is "
            "read and checked as the roll import screens read a file, with the same words. "
            "Any problem and nothing is changed: 400 with every problem by field "
            "(`pupils[3].upn`). `dry_run` (in the body) answers with what would change and "
            "changes nothing. The answer names only the pupils sent."
        ),
        request=RollUpsertSerializer,
        responses={
            200: UpsertResultSerializer,
            409: OpenApiResponse(description="The roll changed while the batch was written."),
        },
        examples=[
            OpenApiExample(
                "Two pupils from the MIS",
                value={
                    "pupils": [
                        {
                            "upn": "W881000100001",
                            "legal_first_name": "Amara",
                            "legal_last_name": "Okafor",
                            "date_of_birth": "2014-03-12",
                            "year_group": "7",
                            "registration_group": "7RB",
                            "gender": "F",
                            "fsm_eligible": False,
                        },
                        {"upn": "K881000100002", "year_group": "8"},
                    ],
                    "dry_run": False,
                },
                request_only=True,
            ),
            OpenApiExample(
                "One pupil added and one moved up a year",
                value={
                    "dry_run": False,
                    "changed": True,
                    "added": 1,
                    "updated": 1,
                    "unchanged": 0,
                    "pupils": [
                        {
                            "index": 0,
                            "upn": "W881000100001",
                            "outcome": "added",
                            "id": "3f1c2a9e-6d1b-4c0e-9a57-0b6f2f6d8a11",
                            "fields": [],
                        },
                        {
                            "index": 1,
                            "upn": "K881000100002",
                            "outcome": "updated",
                            "id": "9b2d7c41-0e5a-4f3b-8c6d-2a1e9f0b7c35",
                            "fields": ["year_group"],
                        },
                    ],
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
        tags=["roll"],
    )
    def post(self, request: Request, school_id: int) -> Response:
        return _batch(
            request, school_id, RollUpsertSerializer, roll_upsert, "pupils", UPSERT_COUNTS
        )


UPSERT_COUNTS = ["added", "updated", "unchanged"]
LEAVER_COUNTS = ["left", "updated", "unchanged"]


class RollLeavers(ClientApiView):
    required_scope = ApiScope.ROLL_WRITE

    @extend_schema(
        operation_id="roll_leavers_mark",
        summary="Mark pupils as leaving or left",
        description=(
            f"Up to {ROLL_BATCH:,} pupils a call, named by UPN, each with the leaving date "
            "(past, or up to a year ahead) and where they went, as the roll's leaver form asks. "
            "Each is marked as a person marking a leaver would be, and the school's DSLs are "
            "told about a leaver with safeguarding records (the answer never says whether one "
            "has any). A pupil already marked with the same date and destination is unchanged, "
            "so the same batch twice changes nothing the second time. Any problem (a UPN not "
            "on the school's roll among them) and nothing is changed: 400 with every problem "
            "by field (`leavers[2].left_on`). `dry_run` (in the body) answers with what would "
            "change and changes nothing."
        ),
        request=RollLeaversSerializer,
        responses={
            200: LeaversResultSerializer,
            409: OpenApiResponse(description="The roll changed while the batch was written."),
        },
        examples=[
            OpenApiExample(
                "A pupil leaving at the end of term",
                value={
                    "leavers": [
                        {
                            "upn": "W881000100001",
                            "left_on": "2026-07-22",
                            "leaving_destination": "Hillside Academy",
                        }
                    ],
                    "dry_run": False,
                },
                request_only=True,
            ),
            OpenApiExample(
                "Marked as leaving",
                value={
                    "dry_run": False,
                    "changed": True,
                    "left": 1,
                    "updated": 0,
                    "unchanged": 0,
                    "leavers": [
                        {
                            "index": 0,
                            "upn": "W881000100001",
                            "outcome": "left",
                            "id": "3f1c2a9e-6d1b-4c0e-9a57-0b6f2f6d8a11",
                            "fields": ["left_on", "leaving_destination"],
                        }
                    ],
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
        tags=["roll"],
    )
    def post(self, request: Request, school_id: int) -> Response:
        return _batch(
            request, school_id, RollLeaversSerializer, roll_leavers, "leavers", LEAVER_COUNTS
        )


def _batch(
    request: Request,
    school_id: int,
    serializer_class: type[serializers.Serializer],
    service: Callable[..., Any],
    list_name: str,
    counts: list[str],
) -> Response:
    """A batch operation: the school, the size, the body's fields, then the roll's own service
    (all or nothing, or a dry run), answered with what it did to each."""
    school = client_school(request, school_id)
    _refuse_too_many(request, list_name)
    sent = serializer_class(data=request.data)
    sent.is_valid(raise_exception=True)
    dry_run = sent.validated_data["dry_run"]
    batch = _service(
        service,
        actor=request.user,
        school=school,
        dry_run=dry_run,
        **{list_name: sent.validated_data[list_name]},
    )
    return _answer(batch, dry_run=dry_run, list_name=list_name, counts=counts)
