"""The school's signing certificate pages (issue 7); each has a row in the tenancy matrix."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "school/signing-certificate/",
        views.signing_certificate,
        name="signing-certificate",
    ),
    path(
        "school/signing-certificate/new/",
        views.signing_key_new,
        name="signing-key-new",
    ),
    path(
        "school/signing-certificate/upload/",
        views.signing_key_upload_page,
        name="signing-key-upload",
    ),
    path(
        "school/signing-certificate/<uuid:pk>/certificate.pem",
        views.signing_certificate_download,
        name="signing-certificate-download",
    ),
]
