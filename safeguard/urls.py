"""The URL map. Every route needs sample arguments in tests/test_tenancy_matrix.py."""

from django.contrib import admin
from django.urls import include, path

from schools.urls import auth_urlpatterns

from . import views

admin.site.site_header = "Safeguard platform administration"
admin.site.site_title = "Safeguard platform administration"

urlpatterns = [
    path("", views.home, name="home"),
    path("school/switch/", views.school_switch, name="school-switch"),
    path("healthz/", views.healthz, name="healthz"),
    path("", include(auth_urlpatterns)),
    path("", include("schools.urls")),
    path("", include("concerns.urls")),
    path("", include("chronology.urls")),
    path("", include("contacts.urls")),
    path("", include("referrals.urls")),
    path("", include("allegations.urls")),
    path("platform-admin/", admin.site.urls),
]
