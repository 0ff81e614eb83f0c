from django.urls import path

from . import views

urlpatterns = [
    path("search/", views.record_search, name="record-search"),
]
