from django.urls import path

from . import views

urlpatterns = [
    path("account/password/", views.password_change, name="account-password"),
    path("account/sessions/", views.account_sessions, name="account-sessions"),
    path("account/sessions/end/", views.account_sessions_end, name="account-sessions-end"),
    path("account/keep-alive/", views.keep_alive, name="account-keep-alive"),
]
