"""Platform administration: trusts, schools and people. Pupils are not here: the platform does not
read children's records."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from . import services
from .models import School, SchoolMembership, Trust, TrustMembership, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "job_title", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "job_title")}),
        ("Platform", {"fields": ("is_active", "is_staff", "is_superuser", "last_login")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "full_name", "job_title", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login"]
    filter_horizontal = ()
    list_filter = ["is_active", "is_staff"]


class SchoolMembershipInline(admin.TabularInline):
    model = SchoolMembership
    extra = 0
    fields = ["user", "role"]
    readonly_fields = ["user", "role"]
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "trust", "urn", "local_authority"]
    list_filter = ["trust"]
    search_fields = ["name", "urn"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SchoolMembershipInline]


@admin.register(SchoolMembership)
class SchoolMembershipAdmin(admin.ModelAdmin):
    """Roles are granted and revoked through the services, so the permission rows follow."""

    list_display = ["user", "school", "role"]
    list_filter = ["school", "role"]
    autocomplete_fields = ["user"]
    fields = ["user", "school", "role"]

    def save_model(self, request: Any, obj: SchoolMembership, form: Any, change: bool) -> None:
        if change:
            services.school_membership_revoke(membership=SchoolMembership.objects.get(pk=obj.pk))
        saved = services.school_membership_grant(user=obj.user, school=obj.school, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: SchoolMembership) -> None:
        services.school_membership_revoke(membership=obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for membership in queryset:
            services.school_membership_revoke(membership=membership)


@admin.register(TrustMembership)
class TrustMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "trust", "role"]
    autocomplete_fields = ["user"]
    fields = ["user", "trust", "role"]

    def save_model(self, request: Any, obj: TrustMembership, form: Any, change: bool) -> None:
        if change:
            # The person may have changed: re-derive the permissions of the old one and the new.
            before = TrustMembership.objects.select_related("user").get(pk=obj.pk)
            obj.save()
            services.user_permissions_sync(user=before.user)
            services.user_permissions_sync(user=obj.user)
            return
        saved = services.trust_membership_grant(user=obj.user, trust=obj.trust, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request: Any, obj: TrustMembership) -> None:
        user = obj.user
        obj.delete()
        services.user_permissions_sync(user=user)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        for membership in queryset:
            self.delete_model(request, membership)
