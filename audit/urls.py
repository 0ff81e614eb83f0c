"""The audit pages of a school."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "school/platform-administration/",
        views.platform_admin_event_list,
        name="platform-admin-event-list",
    ),
]
