from django.urls import include, path

from . import views

urlpatterns = [
    path("concerns/new/", views.concern_start, name="concern-start"),
    path("concerns/mine/", views.concern_mine, name="concern-mine"),
    path("concerns/drafts/<uuid:pk>/", views.concern_draft, name="concern-draft"),
    path("concerns/drafts/<uuid:pk>/autosave/", views.concern_autosave, name="concern-autosave"),
    path(
        "concerns/drafts/<uuid:pk>/pupils/",
        views.concern_pupil_search,
        name="concern-pupil-search",
    ),
    path("concerns/drafts/<uuid:pk>/check/", views.concern_check, name="concern-check"),
    path("concerns/drafts/<uuid:pk>/discard/", views.concern_discard, name="concern-discard"),
    path("concerns/<uuid:pk>/", views.concern_detail, name="concern-detail"),
    path("concerns/<uuid:pk>/print/", views.concern_print, name="concern-print"),
    path("concerns/<uuid:pk>/addenda/", views.concern_addendum, name="concern-addendum"),
    path("concerns/<uuid:pk>/dsl-record/", views.dsl_record, name="dsl-record"),
    path("concerns/<uuid:pk>/actions/", views.action_add, name="action-add"),
    path("concerns/<uuid:pk>/restriction/", views.concern_restrict, name="concern-restrict"),
    path("concerns/<uuid:pk>/close/", views.concern_close, name="concern-close"),
    path("files/<uuid:pk>/", views.attachment_download, name="attachment-download"),
    path("triage/", views.triage_inbox, name="triage-inbox"),
    path("triage/re-assess/", views.reassessment_list, name="reassessment-list"),
    path(
        "re-assessments/<uuid:pk>/review/",
        views.reassessment_review,
        name="reassessment-review",
    ),
    path("actions/", views.action_list, name="action-list"),
    path("actions/<uuid:pk>/done/", views.action_done, name="action-done"),
    # Missing children (003 Appendix C) and children missing education
    path("", include("concerns.missing.urls")),
]
