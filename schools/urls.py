from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

auth_urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("password-reset/", views.ResetRequestView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.ResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("pupils/", views.PupilListView.as_view(), name="pupil-list"),
    path("school/term-dates/", views.term_dates, name="term-dates"),
    path("school/term-dates/new/", views.closure_add, name="closure-add"),
    path("school/term-dates/<uuid:pk>/edit/", views.closure_edit, name="closure-edit"),
    path("school/term-dates/<uuid:pk>/remove/", views.closure_remove, name="closure-remove"),
    path("school/hours/", views.school_hours, name="school-hours"),
    path("", include("roll.urls")),
    path("", include("schools.staff.urls")),
]
