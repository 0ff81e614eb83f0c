from django.urls import include, path

from . import views

urlpatterns = [
    path("sign-in/two-factor/", views.two_factor_verify, name="two-factor-verify"),
    path("sign-in/two-factor/recovery/", views.two_factor_recovery, name="two-factor-recovery"),
    path("account/two-factor/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path(
        "account/two-factor/set-up/security-key/",
        views.two_factor_setup_key,
        name="two-factor-setup-key",
    ),
    path(
        "account/two-factor/recovery-codes/",
        views.two_factor_recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path(
        "account/two-factor/recovery-codes/new/",
        views.recovery_codes_renew,
        name="two-factor-recovery-codes-renew",
    ),
    path("account/security/", views.account_security, name="account-security"),
    path(
        "account/security/keys/<int:pk>/remove/",
        views.security_key_remove,
        name="security-key-remove",
    ),
    path(
        "school/staff/<int:pk>/two-factor/reset/",
        views.staff_two_factor_reset_view,
        name="staff-two-factor-reset",
    ),
    path("account/webauthn/", include("django_otp_webauthn.urls", namespace="otp_webauthn")),
]
