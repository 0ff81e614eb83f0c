from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("pupils/<uuid:pk>/", views.PupilDetailView.as_view(), name="pupil-detail"),
    path("pupils/<uuid:pk>/safeguarding/", views.pupil_safeguarding, name="pupil-safeguarding"),
    path("", include("home.search.urls")),
]
