from django.urls import include, path

from . import views

urlpatterns: list = [
    # The roll kept by hand (docs/adr/0022): no route deletes a pupil.
    path("pupils/new/", views.pupil_add, name="pupil-add"),
    path("pupils/<uuid:pk>/edit/", views.pupil_edit, name="pupil-edit"),
    path("pupils/<uuid:pk>/leave/", views.pupil_leave, name="pupil-leave"),
    path("pupils/<uuid:pk>/leave/undo/", views.pupil_leaving_undo, name="pupil-leaving-undo"),
    path("", include("roll.imports.urls")),
]
