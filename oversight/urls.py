"""Oversight's pages: quality assurance, category governance and the dashboards."""

from django.urls import include, path

urlpatterns = [
    path("", include("oversight.qa.urls")),
    path("", include("oversight.categories.urls")),
    path("", include("oversight.dashboards.urls")),
    path("", include("oversight.reassessment.urls")),
]
