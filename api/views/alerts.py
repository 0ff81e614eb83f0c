"""Alerts from web filtering and monitoring: each becomes a concern in the school's triage
inbox, raised by the client's own account through the services the pages use, once per alert."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from concerns.services import MAX_PUPILS, Alert, AlertPupil, concern_raise_from_alert
from concerns.services.alerts import (
    ALERT_ID,
    ALERT_ID_LONGEST,
    LINK_LONGEST,
    SEVERITY_LONGEST,
    SUMMARY_LONGEST,
)

from ..authentication import client_of
from ..scopes import ApiScope
from .base import ClientApiView
from .schools import client_school

_REQUIRED = {"required": "This is required", "null": "This is required"}


class AlertPupilSerializer(serializers.Serializer):
    upn = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=13,
        help_text="The pupil's unique pupil number (13 characters), as the MIS holds it.",
        error_messages={"max_length": "A UPN is 13 characters"},
    )
    pupil_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text="The pupil's id in Safeguard, if the system holds it (instead of or beside "
        "the UPN: both must be the same pupil).",
        error_messages={"invalid": "Give the pupil's id in Safeguard (a UUID)"},
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("upn") and not attrs.get("pupil_id"):
            raise serializers.ValidationError("Give the pupil's UPN or their id in Safeguard")
        return attrs


class AlertSerializer(serializers.Serializer):
    alert_id = serializers.RegexField(
        ALERT_ID.pattern,
        max_length=ALERT_ID_LONGEST,
        help_text="The alert's own id in your system. The same id sent again is the same alert: "
        "its concern is not raised twice.",
        error_messages={
            **_REQUIRED,
            "invalid": f"Give the alert's id in your system: up to {ALERT_ID_LONGEST} letters, "
            "digits, full stops, underscores, colons or hyphens",
            "max_length": f"The alert's id must be {ALERT_ID_LONGEST} characters or fewer",
            "blank": "This is required",
        },
    )
    pupils = AlertPupilSerializer(
        many=True,
        allow_empty=False,
        max_length=MAX_PUPILS,
        help_text=f"The pupils the alert is about (1 to {MAX_PUPILS}), each on the school's roll.",
        error_messages={
            **_REQUIRED,
            "empty": "Name at least one pupil, by UPN or by their id in Safeguard",
            "max_length": f"An alert can name at most {MAX_PUPILS} pupils",
            "not_a_list": "Give the pupils as a list",
        },
    )
    occurred_at = serializers.DateTimeField(
        help_text="When it happened (ISO 8601, with its offset; without one, UK time).",
        error_messages={
            **_REQUIRED,
            "invalid": "Give the date and time as ISO 8601, like 2026-11-30T10:42:00Z",
        },
    )
    category_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="A category's id from the school's categories "
        "(`GET /api/v1/schools/{school_id}/categories/`), for every pupil named. Leave it out "
        "if none fits: the concern then has none.",
        error_messages={"invalid": "Give a category's id (a whole number)"},
    )
    severity = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEVERITY_LONGEST,
        help_text="The risk level your system gave, in its own words (recorded as the reason for "
        "recording; it never answers 'child in immediate danger', which is a person's call).",
    )
    summary = serializers.CharField(
        max_length=SUMMARY_LONGEST,
        help_text="What your system captured, factually: the search, message or site, the "
        "device, the account, the time. Becomes the concern's account of what happened.",
        error_messages={
            **_REQUIRED,
            "blank": "Describe what the system captured",
            "max_length": f"The summary must be {SUMMARY_LONGEST:,} characters or fewer",
        },
    )
    link = serializers.URLField(
        required=False,
        allow_blank=True,
        max_length=LINK_LONGEST,
        help_text="The alert's address in your system (https), for the DSL to open it there.",
        error_messages={"invalid": "Give the alert's address in your system, starting https://"},
    )


class AlertReceivedSerializer(serializers.Serializer):
    reference = serializers.CharField(help_text="The concern's reference at the school.")
    id = serializers.UUIDField(help_text="The concern's id in Safeguard.")
    duplicate = serializers.BooleanField(
        help_text="True when this alert had already raised the concern: nothing new was written."
    )


SMOOTHWALL_ALERT = {
    "alert_id": "SWM-7f3c2a91",
    "pupils": [{"upn": "A123456789012"}],
    "occurred_at": "2026-11-30T10:42:00Z",
    "category_id": 13,
    "severity": "Level 4: high risk",
    "summary": (
        'Search typed in Google Chrome: "how many paracetamol is too many". Device: '
        "ALD-LAPTOP-07 (Year 9 laptop trolley). Signed in as a.pupil@alderbrook.example. "
        "Moderator's note: searched three times within 2 minutes."
    ),
    "link": "https://monitor.smoothwall.example/alerts/7f3c2a91",
}


class AlertIntake(ClientApiView):
    required_scope = ApiScope.ALERTS_WRITE

    @extend_schema(
        operation_id="alerts_create",
        summary="Raise an alert as a concern for the DSL to triage",
        description=(
            "An alert from web filtering or monitoring becomes a concern in the school's triage "
            "inbox: signed, in each pupil's chronology, and the school's DSLs told, as for any "
            "new concern, marked as raised by this system with the alert's id. The same "
            "`alert_id` sent again (a retry) raises nothing new: the answer is 200 with the "
            "concern it raised and `duplicate: true`. The answer says only the concern's "
            "reference and id: a client never reads a concern back. Scope `alerts:write`."
        ),
        request=AlertSerializer,
        responses={
            201: OpenApiResponse(AlertReceivedSerializer, description="The concern raised."),
            200: OpenApiResponse(
                AlertReceivedSerializer, description="This alert had already raised it."
            ),
        },
        examples=[
            OpenApiExample("A Smoothwall Monitor alert", value=SMOOTHWALL_ALERT, request_only=True),
            OpenApiExample(
                "Raised",
                value={
                    "reference": "ALD-2027-0042",
                    "id": "0c6e3c0e-2f4a-4d3b-9a57-8d1f2b6c4e10",
                    "duplicate": False,
                },
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "Sent before",
                value={
                    "reference": "ALD-2027-0042",
                    "id": "0c6e3c0e-2f4a-4d3b-9a57-8d1f2b6c4e10",
                    "duplicate": True,
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
        tags=["alerts"],
    )
    def post(self, request: Request, school_id: int) -> Response:
        school = client_school(request, school_id)
        body = AlertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        client = client_of(request)
        if client is None:  # HasScope lets no other call in
            raise exceptions.NotAuthenticated
        alert = Alert(
            alert_id=data["alert_id"],
            pupils=[
                AlertPupil(upn=p.get("upn") or "", pupil_id=p.get("pupil_id"))
                for p in data["pupils"]
            ],
            occurred_at=data["occurred_at"],
            summary=data["summary"],
            category_id=data.get("category_id"),
            severity=data.get("severity") or "",
            link=data.get("link") or "",
        )
        try:
            outcome = concern_raise_from_alert(
                actor=request.user, school=school, source_name=client.name, alert=alert
            )
        except DjangoValidationError as refused:
            raise serializers.ValidationError(refused.message_dict) from None
        concern = outcome.concern
        return Response(
            {
                "reference": concern.reference,
                "id": str(concern.pk),
                "duplicate": not outcome.created,
            },
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )
