from django.urls import path

from oversight.dashboards import views
from oversight.dashboards.drilldown import views as drilldown

urlpatterns = [
    path("dashboard/", views.school_dashboard, name="school-dashboard"),
    path("trust/dashboard/", views.trust_dashboard, name="trust-dashboard"),
    path(
        "trust/dashboard/schools/<int:school_id>/records/",
        drilldown.trust_drilldown,
        name="trust-drilldown",
    ),
]
