from django.urls import path

from . import views

urlpatterns = [
    path("pupils/import/", views.roll_import_list, name="roll-import-list"),
    path("pupils/import/new/", views.roll_import_upload, name="roll-import-upload"),
    path("pupils/import/<uuid:pk>/", views.roll_import_detail, name="roll-import-detail"),
    path("pupils/import/<uuid:pk>/columns/", views.roll_import_columns, name="roll-import-columns"),
    path("pupils/import/<uuid:pk>/apply/", views.roll_import_apply, name="roll-import-apply"),
    path("pupils/import/<uuid:pk>/discard/", views.roll_import_discard, name="roll-import-discard"),
]
