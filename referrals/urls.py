from django.urls import path

from . import views

urlpatterns = [
    path("referrals/", views.referral_list, name="referral-list"),
    path("pupils/<uuid:pk>/referrals/new/", views.referral_make_for_pupil, name="referral-add"),
    path(
        "concerns/<uuid:pk>/referrals/new/",
        views.referral_make_for_concern,
        name="concern-referral-add",
    ),
    path("referrals/<uuid:pk>/", views.referral_detail, name="referral-detail"),
    path("referrals/<uuid:pk>/follow-up/", views.referral_follow_up, name="referral-follow-up"),
    path("referrals/<uuid:pk>/response/", views.referral_response, name="referral-response"),
    path("referrals/<uuid:pk>/escalate/", views.referral_escalate, name="referral-escalate"),
]
