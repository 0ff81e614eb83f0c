from django.urls import path

from . import views

urlpatterns = [
    path("pupils/<uuid:pk>/chronology/", views.pupil_chronology, name="pupil-chronology"),
    path(
        "pupils/<uuid:pk>/chronology/print/",
        views.pupil_chronology_print,
        name="pupil-chronology-print",
    ),
    path("pupils/<uuid:pk>/chronology/add/", views.chronology_entry_add, name="chronology-add"),
    path(
        "chronology/<uuid:pk>/correct/", views.chronology_entry_correct, name="chronology-correct"
    ),
    path("pupils/<uuid:pk>/cp-file/open/", views.cp_file_open, name="cp-file-open"),
    path("cp-files/<uuid:pk>/close/", views.cp_file_close, name="cp-file-close"),
    path("pupils/<uuid:pk>/access-log/", views.pupil_access_log, name="pupil-access-log"),
    path("pupils/<uuid:pk>/statuses/add/", views.status_add, name="status-add"),
    path("statuses/<uuid:pk>/end/", views.status_end, name="status-end"),
    path(
        "concerns/<uuid:pk>/risk-assessments/new/",
        views.risk_assessment_add,
        name="risk-assessment-add",
    ),
    path(
        "pupils/<uuid:pk>/risk-assessments/new/",
        views.pupil_risk_assessment_add,
        name="pupil-risk-assessment-add",
    ),
    path(
        "risk-assessments/<uuid:pk>/", views.risk_assessment_detail, name="risk-assessment-detail"
    ),
]
