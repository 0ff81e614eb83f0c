"""Retention pages (issue 7); each has a row in the tenancy matrix."""

from django.urls import path

from . import views

urlpatterns = [
    path("transfers/retention/", views.retention_list, name="retention-list"),
    path(
        "transfers/retention/<uuid:pk>/",
        views.retention_detail,
        name="retention-detail",
    ),
]
