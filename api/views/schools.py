"""The schools a client reaches, and each school's categories and agencies: what a client needs
to name a school, what an alert is about, and whom a school calls."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from concerns.services import categories_for
from contacts.selectors import agencies_for_school
from safeguard.access import access_for
from safeguard.params import whole_number
from schools.models import School

from ..problems import NOT_FOUND
from .base import ClientApiView


def client_school(request: Request, school_id: Any) -> School:
    """The school of the URL if the client reaches it; any other id, or none, is the same 404."""
    school_pk = whole_number(str(school_id))
    if school_pk is None or school_pk not in access_for(request.user).school_ids():
        raise NotFound(NOT_FOUND)
    return School.objects.select_related("trust").get(pk=school_pk)


class SchoolSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The school's id in Safeguard, used in every URL.")
    name = serializers.CharField()
    urn = serializers.CharField(help_text="The school's unique reference number (DfE).")
    trust = serializers.CharField(source="trust.name")
    trust_id = serializers.IntegerField(help_text="The trust's id (a trust's figures are by it).")


class SchoolList(ClientApiView):
    @extend_schema(
        operation_id="schools_list",
        summary="The schools this client reaches",
        description="One school for a school's client; every school of the trust for a trust's.",
        responses=SchoolSerializer(many=True),
        examples=[
            OpenApiExample(
                "A school's client",
                value=[
                    {
                        "id": 3,
                        "name": "Riverside Primary",
                        "urn": "100001",
                        "trust": "Demo",
                        "trust_id": 1,
                    }
                ],
                response_only=True,
            )
        ],
        tags=["schools"],
    )
    def get(self, request: Request) -> Response:
        schools = (
            School.objects.filter(pk__in=access_for(request.user).school_ids())
            .select_related("trust")
            .order_by("name", "pk")
        )
        return Response(SchoolSerializer(schools, many=True).data)


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent = serializers.CharField(source="parent.name", allow_null=True, default=None)
    label = serializers.CharField(help_text="The heading and the category, as the pages show it.")


class CategoryList(ClientApiView):
    @extend_schema(
        operation_id="categories_list",
        summary="The school's categories of concern",
        description=(
            "The trust's list in use (retired categories left out): an alert names these by id."
        ),
        responses=CategorySerializer(many=True),
        examples=[
            OpenApiExample(
                "Two categories",
                value=[
                    {"id": 12, "name": "Online safety", "parent": None, "label": "Online safety"},
                    {
                        "id": 13,
                        "name": "Radicalisation",
                        "parent": "Online safety",
                        "label": "Online safety > Radicalisation",
                    },
                ],
                response_only=True,
            )
        ],
        tags=["schools"],
    )
    def get(self, request: Request, school_id: int) -> Response:
        school = client_school(request, school_id)
        return Response(CategorySerializer(categories_for(school=school), many=True).data)


class AgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField(help_text="The type of service (social_care, lado, police...).")
    kind_label = serializers.CharField(source="get_kind_display")
    name = serializers.CharField()
    local_authority = serializers.CharField(help_text="Blank for a national service.")
    phone = serializers.CharField()
    email = serializers.CharField()
    web_address = serializers.CharField()
    open_all_hours = serializers.BooleanField()


class AgencyList(ClientApiView):
    @extend_schema(
        operation_id="agencies_list",
        summary="The agencies the school calls",
        description="The trust's agencies for the school's local authority, and national ones.",
        responses=AgencySerializer(many=True),
        examples=[
            OpenApiExample(
                "Children's social care",
                value=[
                    {
                        "id": 4,
                        "kind": "social_care",
                        "kind_label": "Children's social care front door",
                        "name": "Northshire MASH",
                        "local_authority": "Northshire",
                        "phone": "01632 960000",
                        "email": "mash@northshire.example",
                        "web_address": "",
                        "open_all_hours": False,
                    }
                ],
                response_only=True,
            )
        ],
        tags=["schools"],
    )
    def get(self, request: Request, school_id: int) -> Response:
        school = client_school(request, school_id)
        return Response(AgencySerializer(agencies_for_school(school=school), many=True).data)
