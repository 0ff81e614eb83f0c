from django.urls import path

from . import pages

urlpatterns = [
    path("api-clients/", pages.api_client_list, name="api-client-list"),
    path("api-clients/new/", pages.api_client_add, name="api-client-add"),
    path("api-clients/<int:pk>/", pages.api_client_detail, name="api-client-detail"),
    path("api-clients/<int:pk>/secret/", pages.api_client_secret, name="api-client-secret"),
    path("api-clients/<int:pk>/revoke/", pages.api_client_revoke_page, name="api-client-revoke"),
]
