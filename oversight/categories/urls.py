from django.urls import path

from oversight.categories import views

urlpatterns = [
    path("trust/categories/", views.category_list, name="category-list"),
    path("trust/categories/new/", views.category_add, name="category-add"),
    path("trust/categories/history/", views.category_history, name="category-history"),
    path("trust/categories/<int:pk>/rename/", views.category_rename, name="category-rename"),
    path("trust/categories/<int:pk>/retire/", views.category_retire, name="category-retire"),
    path("trust/categories/<int:pk>/restore/", views.category_restore, name="category-restore"),
    path("school/category-requests/", views.category_request_list, name="category-request-list"),
    path(
        "school/category-requests/new/",
        views.category_request_new,
        name="category-request-new",
    ),
    path(
        "category-requests/<uuid:pk>/",
        views.category_request_detail,
        name="category-request-detail",
    ),
    path(
        "category-requests/<uuid:pk>/approve/",
        views.category_request_approve,
        name="category-request-approve",
    ),
    path(
        "category-requests/<uuid:pk>/decline/",
        views.category_request_decline,
        name="category-request-decline",
    ),
]
