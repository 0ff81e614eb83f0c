"""The URL map. Every route needs sample arguments in tests/test_tenancy_matrix.py."""

from django.contrib import admin
from django.urls import include, path

from schools.urls import auth_urlpatterns

from . import metrics, notification_views, views

admin.site.site_header = "Safeguard platform administration"
admin.site.site_title = "Safeguard platform administration"

urlpatterns = [
    path("", include("home.urls")),
    path("school/switch/", views.school_switch, name="school-switch"),
    path("healthz/", views.healthz, name="healthz"),
    path("accessibility/", views.accessibility_statement, name="accessibility-statement"),
    path("metrics", metrics.metrics, name="metrics"),
    path("notifications/", notification_views.notification_list, name="notification-list"),
    path(
        "notifications/read-all/",
        notification_views.notification_read_all,
        name="notification-read-all",
    ),
    path(
        "notifications/<uuid:pk>/read/",
        notification_views.notification_read,
        name="notification-read",
    ),
    path(
        "notifications/<uuid:pk>/restricted/",
        notification_views.notification_restricted,
        name="notification-restricted",
    ),
    path(
        "notifications/<uuid:pk>/open/",
        notification_views.notification_open,
        name="notification-open",
    ),
    path("", include(auth_urlpatterns)),
    path("", include("schools.twofactor.urls")),
    path("", include("schools.accounts.urls")),
    path("", include("schools.urls")),
    path("", include("concerns.urls")),
    path("", include("chronology.urls")),
    path("", include("contacts.urls")),
    path("", include("referrals.urls")),
    path("", include("allegations.urls")),
    path("", include("transfers.signing.urls")),
    path("", include("transfers.retention.urls")),
    path("", include("transfers.urls")),
    path("", include("oversight.urls")),
    path("", include("audit.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("api.page_urls")),
    path("platform-admin/", admin.site.urls),
]

# A missing page or a server error on an API route answers as a problem, elsewhere as the page
# (docs/adr/0035).
handler404 = "api.problems.not_found"
handler500 = "api.problems.server_error"
