from django.urls import path

from . import views

urlpatterns = [
    path("missing/", views.missing_list, name="missing-list"),
    path("pupils/<uuid:pk>/missing/new/", views.missing_start, name="missing-start"),
    path("missing/<uuid:pk>/", views.missing_detail, name="missing-detail"),
    path("missing/<uuid:pk>/steps/<slug:step>/", views.missing_step, name="missing-step"),
    path("missing/<uuid:pk>/close/", views.missing_close, name="missing-close"),
    path("missing-education/", views.absence_list, name="absence-list"),
    path("pupils/<uuid:pk>/missing-education/new/", views.absence_start, name="absence-start"),
    path("missing-education/<uuid:pk>/", views.absence_detail, name="absence-detail"),
    path("missing-education/<uuid:pk>/la-told/", views.absence_la_told, name="absence-la-told"),
    path("missing-education/<uuid:pk>/end/", views.absence_end, name="absence-end"),
]
