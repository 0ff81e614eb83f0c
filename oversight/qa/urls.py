from django.urls import path

from oversight.qa import views

urlpatterns = [
    path("oversight/qa/", views.qa_overview, name="qa-overview"),
    path("oversight/qa/choose/", views.qa_choose, name="qa-choose"),
    path(
        "oversight/qa/schools/<int:school_id>/sample/",
        views.qa_sample_new,
        name="qa-sample-new",
    ),
    path("oversight/qa/reviews/<uuid:pk>/", views.qa_review, name="qa-review"),
    path("oversight/qa/reviews/<uuid:pk>/respond/", views.qa_respond, name="qa-respond"),
    path("oversight/qa/reviews/<uuid:pk>/remove/", views.qa_remove, name="qa-remove"),
    path("quality-assurance/", views.qa_school_list, name="qa-school-list"),
]
