"""`/api/v1/`: the schema, its documentation and every operation (docs/adr/0035)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views.alerts import AlertIntake
from .views.figures import SchoolFiguresView, TrustFiguresView
from .views.roll import RollLeavers, RollPupils
from .views.schools import AgencyList, CategoryList, SchoolList

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("schools/", SchoolList.as_view(), name="schools"),
    path("schools/<int:school_id>/categories/", CategoryList.as_view(), name="categories"),
    path("schools/<int:school_id>/agencies/", AgencyList.as_view(), name="agencies"),
    path("schools/<int:school_id>/pupils/", RollPupils.as_view(), name="roll-pupils"),
    path("schools/<int:school_id>/leavers/", RollLeavers.as_view(), name="roll-leavers"),
    path("schools/<int:school_id>/alerts/", AlertIntake.as_view(), name="alerts"),
    path("schools/<int:school_id>/figures/", SchoolFiguresView.as_view(), name="school-figures"),
    path("trusts/<int:trust_id>/figures/", TrustFiguresView.as_view(), name="trust-figures"),
]
