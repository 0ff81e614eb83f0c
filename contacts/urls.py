from django.urls import path

from . import views

urlpatterns = [
    path("who-to-call/", views.who_to_call, name="who-to-call"),
    path("school/key-roles/", views.school_key_roles, name="school-key-roles"),
    path("school/key-roles/new/", views.key_contact_add, name="key-contact-add"),
    path("school/key-roles/<uuid:pk>/edit/", views.key_contact_edit, name="key-contact-edit"),
    path("school/key-roles/<uuid:pk>/remove/", views.key_contact_remove, name="key-contact-remove"),
    path("trust/agencies/", views.agency_list, name="agency-list"),
    path("trust/agencies/new/", views.agency_add, name="agency-add"),
    path("trust/agencies/<int:pk>/edit/", views.agency_edit, name="agency-edit"),
    path("pupils/<uuid:pk>/family-contacts/", views.family_contacts, name="family-contacts"),
    path(
        "pupils/<uuid:pk>/family-contacts/new/",
        views.family_contact_add,
        name="family-contact-add",
    ),
    path("family-contacts/<uuid:pk>/edit/", views.family_contact_edit, name="family-contact-edit"),
    path(
        "family-contacts/<uuid:pk>/remove/",
        views.family_contact_remove,
        name="family-contact-remove",
    ),
]
