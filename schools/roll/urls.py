from django.urls import include, path  # noqa: F401

urlpatterns: list = [
    path("", include("schools.roll.imports.urls")),
]
