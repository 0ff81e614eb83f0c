"""Retention pages (issue 7); each has a row in the tenancy matrix."""

from django.urls import path

from . import retention_views

urlpatterns = [
    path("transfers/retention/", retention_views.retention_list, name="retention-list"),
    path(
        "transfers/retention/<uuid:pk>/",
        retention_views.retention_detail,
        name="retention-detail",
    ),
]
