"""Staff accounts and roles, kept in the product by the school administrator (and the TSO for the
trust's roles)."""

from django.urls import path

from . import views

urlpatterns = [
    path("school/staff/", views.staff_list, name="staff-list"),
    path("school/staff/invite/", views.staff_invite, name="staff-invite"),
    path("school/staff/history/", views.staff_history, name="staff-history"),
    path("school/staff/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("school/staff/<int:pk>/roles/", views.staff_roles, name="staff-roles"),
    path("school/staff/<int:pk>/details/", views.staff_details, name="staff-details"),
    path("school/staff/<int:pk>/resend/", views.staff_invite_resend, name="staff-invite-resend"),
    path(
        "school/staff/<int:pk>/password-reset/",
        views.staff_password_reset,
        name="staff-password-reset",
    ),
    path("school/staff/<int:pk>/leaver/", views.staff_leaver, name="staff-leaver"),
    path("school/role-requests/", views.role_request_list, name="role-request-list"),
    path("school/role-requests/<uuid:pk>/", views.role_request_detail, name="role-request-detail"),
    path(
        "school/role-requests/<uuid:pk>/confirm/",
        views.role_request_confirm,
        name="role-request-confirm",
    ),
    path(
        "school/role-requests/<uuid:pk>/decline/",
        views.role_request_decline,
        name="role-request-decline",
    ),
    path("trust/staff/", views.trust_staff_list, name="trust-staff-list"),
    path("trust/staff/invite/", views.trust_staff_invite, name="trust-staff-invite"),
    path("trust/staff/<int:pk>/remove/", views.trust_role_remove, name="trust-role-remove"),
    path(
        "invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation-accept",
    ),
    path("invitation/done/", views.InvitationDoneView.as_view(), name="invitation-done"),
]
