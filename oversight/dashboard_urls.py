from django.urls import path

from . import drilldown_views, school_dashboard_views, trust_dashboard_views

urlpatterns = [
    path("dashboard/", school_dashboard_views.school_dashboard, name="school-dashboard"),
    path("trust/dashboard/", trust_dashboard_views.trust_dashboard, name="trust-dashboard"),
    path(
        "trust/dashboard/schools/<int:school_id>/records/",
        drilldown_views.trust_drilldown,
        name="trust-drilldown",
    ),
]
