from django.urls import path

from oversight.reassessment import views

urlpatterns = [
    path(
        "trust/re-assessment/",
        views.reassessment_thresholds,
        name="reassessment-thresholds",
    ),
]
