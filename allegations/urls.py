from django.urls import path

from . import views

urlpatterns = [
    path("allegations/", views.allegation_list, name="allegation-list"),
    path("allegations/new/", views.allegation_new, name="allegation-new"),
    path("allegations/<uuid:pk>/", views.allegation_detail, name="allegation-detail"),
    path("allegations/<uuid:pk>/lado/", views.allegation_lado, name="allegation-lado"),
    path("allegations/<uuid:pk>/police/", views.allegation_police, name="allegation-police"),
    path("allegations/<uuid:pk>/steps/", views.allegation_step, name="allegation-step"),
    path("allegations/<uuid:pk>/outcome/", views.allegation_outcome, name="allegation-outcome"),
    path("allegations/<uuid:pk>/people/", views.allegation_named, name="allegation-named"),
    path(
        "concerns-about-adults/new/",
        views.concern_about_adult,
        name="allegation-report",
    ),
    path(
        "concerns-about-adults/sent/",
        views.concern_about_adult_sent,
        name="allegation-report-sent",
    ),
    path("low-level-concerns/", views.low_level_list, name="low-level-concern-list"),
    path("low-level-concerns/new/", views.low_level_new, name="low-level-concern-new"),
    path(
        "low-level-concerns/<uuid:pk>/",
        views.low_level_detail,
        name="low-level-concern-detail",
    ),
]
