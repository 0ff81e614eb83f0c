from django.urls import path

from . import views

urlpatterns = [
    path("transfers/", views.transfer_list, name="transfer-list"),
    path("pupils/<uuid:pk>/transfer/", views.transfer_start, name="transfer-start"),
    path("transfers/<uuid:pk>/", views.transfer_detail, name="transfer-detail"),
    path("transfers/<uuid:pk>/progress/", views.transfer_progress, name="transfer-progress"),
    path("transfers/<uuid:pk>/retry/", views.transfer_retry, name="transfer-retry"),
    path("transfers/<uuid:pk>/send/", views.transfer_send, name="transfer-send"),
    path("transfers/<uuid:pk>/sent/", views.transfer_record_sent, name="transfer-sent"),
    path("transfers/<uuid:pk>/receipt/", views.transfer_record_receipt, name="transfer-receipt"),
    path("transfers/<uuid:pk>/files/<slug:kind>/", views.transfer_file, name="transfer-file"),
    path("transfers/<uuid:pk>/cancel/", views.transfer_cancel, name="transfer-cancel"),
    path(
        "transfers/<uuid:pk>/leaving-date/",
        views.transfer_leaving_date,
        name="transfer-leaving-date",
    ),
    path("transfers/incoming/", views.incoming_list, name="incoming-list"),
    path("transfers/incoming/<uuid:pk>/", views.incoming_detail, name="incoming-detail"),
    path("transfers/incoming/<uuid:pk>/accept/", views.incoming_accept, name="incoming-accept"),
    path("transfers/incoming/<uuid:pk>/return/", views.incoming_reject, name="incoming-reject"),
    path(
        "transfers/incoming/<uuid:pk>/files/<slug:kind>/",
        views.incoming_file,
        name="incoming-file",
    ),
    path("transfers/import/", views.transfer_import, name="transfer-import"),
    path("transfers/received/<uuid:pk>/", views.received_entry, name="received-entry"),
]
