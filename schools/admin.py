"""Platform administration: trusts, schools and people's accounts (docs/adr/0025).

The platform administrator creates trusts and schools; it does not read children's records, give
itself (or anyone) a role in a school, or set anyone's password. So: no pupil, concern, contact or
referral model is registered; a school or trust that holds anything cannot be deleted, and no
delete page lists what is related to an object; memberships are read-only; people get a password
reset link, never a password typed by someone else; a school administrator or a trust
safeguarding officer is invited through the same services the product uses. Every change that
touches a school is recorded (`audit.PlatformAdminEvent`) and told to its head and DSL.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from audit.models import PlatformAdminAction
from audit.services import platform_admin_event_record
from safeguard.params import whole_number
from safeguard.roles import RoleKey
from schools.staff.services import staff_invite, trust_role_invite

from .models import (
    RecoveryCodeDevice,
    RoleRequest,
    School,
    SchoolMembership,
    Trust,
    TrustMembership,
    User,
)

SETTING_REFUSED = (
    "Nobody sets another person's password: send them a password reset link instead "
    "(“Send a password reset link” on their page, or in the list of people)."
)
PERSON_DELETE_REFUSED = (
    "People are never deleted: what they wrote and the history of their roles keep pointing at "
    "them. To stop someone signing in, untick “Active” on their page and save (deactivate "
    "them); their school administrator marks them as a leaver in Safeguard."
)
MEMBERSHIP_DELETE_REFUSED = (
    "Roles are not taken away here: the school administrator does it in Safeguard (Staff, then "
    "the person's page), and the trust safeguarding officer for trust roles. To stop someone "
    "signing in at all, deactivate their account on their page in People."
)


# --- Deleting: never a list of what is related, never a school or trust that holds anything -----


def holdings(obj: models.Model) -> list[str]:
    """What rows point at this school or trust, by kind (e.g. "pupils", "concerns"): names of
    tables, never a row's content. Empty when it holds nothing at all."""
    target = type(obj)
    kinds: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            if field.related_model is not target:
                continue
            if model._base_manager.filter(**{field.name: obj}).exists():
                kinds.append(str(model._meta.verbose_name_plural))
                break
    return sorted(set(kinds))


class NoRelatedListingMixin:
    """A delete page names only the objects being deleted: Django's lists every related row (a
    school's pupils' names, its concerns...), which the platform administrator must never see."""

    def get_deleted_objects(self, objs: Iterable[Any], request: HttpRequest) -> Any:
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(  # type: ignore[misc]
            objs, request
        )
        names = [str(o) for o in objs]
        shown_protected = (
            [f"{len(protected)} related records that must be kept"] if protected else []
        )
        return names, {}, perms_needed, shown_protected


class HoldingsGuardMixin(NoRelatedListingMixin):
    """Only an empty school or trust can be deleted; otherwise a plain message, and no list."""

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        obj = self.get_object(request, object_id)  # type: ignore[attr-defined]
        if obj is not None:
            held = holdings(obj)
            if held:
                messages.error(
                    request,
                    f"{obj} cannot be deleted: it holds {', '.join(held)}. A school or trust "
                    "is deleted only while it holds nothing at all (no pupils, people, records "
                    "or history); children's records are kept under the retention policy.",
                )
                opts = self.model._meta  # type: ignore[attr-defined]
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
        return super().delete_view(request, object_id, extra_context)  # type: ignore[misc]


def _refuse_delete(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: str, why: str
) -> HttpResponse:
    """A delete page that is never allowed: the admin's own message saying why and what to do
    instead, back on the object's page (or the list, for one that does not exist)."""
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    opts = model_admin.model._meta
    obj = model_admin.get_object(request, object_id)
    messages.error(request, why)
    if obj is None:
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    return HttpResponseRedirect(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )


def _changed_labels(form: forms.BaseForm) -> str:
    labels = [str(form.fields[name].label or name).lower() for name in form.changed_data]
    return "Changed: " + ", ".join(labels) if labels else ""


# --- People ---------------------------------------------------------------------------------------


def schools_of(user: User) -> list[School]:
    """The schools where the person works (a role, a role waiting for confirmation, or a trust
    role reaching every school of the trust): the schools an action on their account touches."""
    school_ids = set(
        SchoolMembership.objects.filter(user=user).values_list("school_id", flat=True)
    ) | set(
        RoleRequest.objects.filter(user=user, status=RoleRequest.Status.PENDING).values_list(
            "school_id", flat=True
        )
    )
    trust_ids = TrustMembership.objects.filter(user=user).values_list("trust_id", flat=True)
    return list(
        School.objects.filter(models.Q(pk__in=school_ids) | models.Q(trust_id__in=trust_ids))
    )


def _person(user: User) -> str:
    return f"{user.full_name} ({user.email})" if user.full_name else user.email


class PlatformPasswordResetForm(PasswordResetForm):
    """Django's password reset email, sent to one chosen person (also one who has not chosen a
    password yet: the link lets them choose one)."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__({"email": user.email}, *args, **kwargs)
        self.user = user

    def get_users(self, email: str) -> Iterable[Any]:
        return [self.user] if self.user.is_active else []


def password_reset_send(*, actor: User, person: User, request: HttpRequest) -> bool:
    """Email the person a password reset link; recorded and told at each school they work in.
    False when the account is deactivated (nothing sent)."""
    if not person.is_active:
        return False
    form = PlatformPasswordResetForm(user=person)
    form.is_valid()
    site = urlsplit(settings.SITE_URL)
    with transaction.atomic():
        platform_admin_event_record(
            actor=actor,
            schools=schools_of(person),
            action=PlatformAdminAction.PASSWORD_RESET_SENT,
            subject=_person(person),
        )
        transaction.on_commit(
            lambda: form.save(
                request=request,
                domain_override=site.netloc,
                use_https=site.scheme == "https",
                subject_template_name="registration/password_reset_subject.txt",
                email_template_name="admin/schools/user/password_reset_email.txt",
            )
        )
    return True


class PlatformUserCreationForm(forms.ModelForm):
    """A new account: no password field. The person chooses their own with the emailed link."""

    class Meta:
        model = User
        fields = ["email", "full_name", "job_title"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError("There is already an account with this email address")
        return email

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


class PlatformUserChangeForm(forms.ModelForm):
    """An account's details and platform flags; no password (see `SETTING_REFUSED`)."""

    class Meta:
        model = User
        fields = ["email", "full_name", "job_title", "is_active", "is_staff", "is_superuser"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        platform = data.get("is_staff") or data.get("is_superuser")
        if platform and self.instance.pk and schools_of(self.instance):
            raise ValidationError(
                "A person with a role in a school or trust cannot be a platform administrator: "
                "they would read the admin as well as their school's records. Use a separate "
                "account."
            )
        return data


@admin.register(User)
class UserAdmin(NoRelatedListingMixin, admin.ModelAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "job_title", "is_active", "is_staff"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_active", "is_staff"]
    form = PlatformUserChangeForm
    add_form = PlatformUserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password_state")}),
        ("Person", {"fields": ("full_name", "job_title")}),
        ("Platform", {"fields": ("is_active", "is_staff", "is_superuser", "last_login")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "full_name", "job_title")}),)
    readonly_fields = ["password_state", "last_login"]
    actions = ["send_password_reset"]

    @admin.display(description="Password")
    def password_state(self, obj: User) -> str:
        if obj.pk and obj.has_usable_password():
            return "Chosen by the person. To change it, send them a password reset link."
        return "Not chosen yet. Send them a password reset link to choose one."

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk != getattr(request.user, "pk", None) and schools_of(obj):
            # Changing the address of someone who works in a school, then sending a reset link
            # to it, would be taking over their account: their school administrator changes it.
            fields.append("email")
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A person's records (concerns they wrote, history rows) keep pointing at them:
        # deactivate an account instead.
        return False

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        """Refused with the reason and what to do instead, on the person's page (not a 403)."""
        return _refuse_delete(self, request, object_id, PERSON_DELETE_REFUSED)

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()
        refused = path(
            "<id>/password/",
            self.admin_site.admin_view(self.user_change_password),
            name="schools_user_password_change",
        )
        reset = path(
            "<id>/password-reset/",
            self.admin_site.admin_view(self.password_reset_view),
            name="schools_user_password_reset",
        )
        return [refused, reset, *urls]

    def password_reset_view(self, request: HttpRequest, id: str) -> HttpResponse:
        """Ask, then email the person a password reset link (the action, for one person)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        person = get_object_or_404(User, pk=id)
        change = reverse("admin:schools_user_change", args=[person.pk])
        if request.method == "POST":
            if password_reset_send(actor=request.user, person=person, request=request):  # type: ignore[arg-type]
                self.message_user(request, f"Password reset link sent to {person.email}.")
            else:
                self.message_user(
                    request, "This account is deactivated: no link was sent.", messages.WARNING
                )
            return HttpResponseRedirect(change)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Send a password reset link to {person.email}?",
            "opts": self.model._meta,
            "original": person,
            "schools": schools_of(person),
        }
        return TemplateResponse(request, "admin/schools/user/password_reset.html", context)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Refused for anyone else; a platform administrator changes their own password on the
        admin's own page."""
        if str(id) == str(getattr(request.user, "pk", "")):
            return HttpResponseRedirect(reverse("admin:password_change"))
        messages.error(request, SETTING_REFUSED)
        # Back to the person's page, where "Send a password reset link" is (the list, for none).
        pk = whole_number(str(id))
        person = User.objects.filter(pk=pk).first() if pk is not None else None
        if person is None:
            return HttpResponseRedirect(reverse("admin:schools_user_changelist"))
        return HttpResponseRedirect(reverse("admin:schools_user_change", args=[person.pk]))

    @admin.action(description="Send a password reset link")
    def send_password_reset(self, request: HttpRequest, queryset: Any) -> None:
        sent = skipped = 0
        for person in queryset:
            if password_reset_send(actor=request.user, person=person, request=request):  # type: ignore[arg-type]
                sent += 1
            else:
                skipped += 1
        if sent:
            self.message_user(request, f"Password reset link sent to {sent} people.")
        if skipped:
            self.message_user(
                request,
                f"{skipped} deactivated accounts were not sent a link.",
                level=messages.WARNING,
            )

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            password_reset_send(actor=request.user, person=obj, request=request)  # type: ignore[arg-type]
            return
        before = User.objects.get(pk=obj.pk)
        super().save_model(request, obj, form, change)
        touched = schools_of(obj)
        if not touched or not form.changed_data:
            return
        if before.is_active and not obj.is_active:
            action = PlatformAdminAction.ACCOUNT_DEACTIVATED
        elif obj.is_active and not before.is_active:
            action = PlatformAdminAction.ACCOUNT_REACTIVATED
        else:
            action = PlatformAdminAction.ACCOUNT_CHANGED
        platform_admin_event_record(
            actor=request.user,
            schools=touched,
            action=action,
            subject=_person(obj),
            detail=_changed_labels(form),
        )


# --- Trusts and schools ---------------------------------------------------------------------------


class SchoolMembershipInline(admin.TabularInline):
    model = SchoolMembership
    extra = 0
    fields = ["user", "role"]
    readonly_fields = ["user", "role"]
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class InviteForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=150)
    email = forms.EmailField(label="Email address", max_length=254)
    job_title = forms.CharField(label="Job title", max_length=150, required=False)


class _InviteViewMixin:
    """A page on a school or trust to invite one person, through the product's own service."""

    invite_title: str = ""
    invite_url_name: str = ""

    def _invite(self, *, request: HttpRequest, obj: Any, form: InviteForm) -> User:
        raise NotImplementedError

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()  # type: ignore[misc]
        opts = self.model._meta  # type: ignore[attr-defined]
        return [
            path(
                "<path:object_id>/invite/",
                self.admin_site.admin_view(self.invite_view),  # type: ignore[attr-defined]
                name=f"{opts.app_label}_{opts.model_name}_invite",
            ),
            *urls,
        ]

    def invite_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_change_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=object_id)  # type: ignore[attr-defined]
        opts = self.model._meta  # type: ignore[attr-defined]
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                person = self._invite(request=request, obj=obj, form=form)
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    target = field if field in form.fields else None
                    for problem in problems:
                        form.add_error(target, problem)
            else:
                messages.success(request, f"Invitation sent to {person.email}.")
                return HttpResponseRedirect(
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
                )
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": f"{self.invite_title}: {obj}",
            "form": form,
            "opts": opts,
            "original": obj,
        }
        return TemplateResponse(request, "admin/schools/invite.html", context)


@admin.register(Trust)
class TrustAdmin(_InviteViewMixin, HoldingsGuardMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "invite_link"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug"]
    invite_title = "Invite a trust safeguarding officer"

    @admin.display(description="Invite")
    def invite_link(self, obj: Trust) -> str:
        return format_html(
            '<a href="{}">Invite a trust safeguarding officer</a>',
            reverse("admin:schools_trust_invite", args=[obj.pk]),
        )

    def _invite(self, *, request: HttpRequest, obj: Any, form: InviteForm) -> User:

        with transaction.atomic():
            person = trust_role_invite(
                actor=request.user,
                trust=obj,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                job_title=form.cleaned_data["job_title"],
                role=RoleKey.TSO,
                platform=True,
            )
            platform_admin_event_record(
                actor=request.user,
                schools=obj.schools.all(),
                action=PlatformAdminAction.TSO_INVITED,
                subject=_person(person),
            )
        return person

    def save_model(self, request: HttpRequest, obj: Trust, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            platform_admin_event_record(
                actor=request.user,
                schools=obj.schools.all(),
                action=PlatformAdminAction.TRUST_CHANGED,
                subject=obj.name,
                detail=_changed_labels(form),
            )


@admin.register(School)
class SchoolAdmin(_InviteViewMixin, HoldingsGuardMixin, admin.ModelAdmin):
    list_display = ["name", "trust", "urn", "local_authority", "invite_link"]
    list_filter = ["trust"]
    search_fields = ["name", "urn"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SchoolMembershipInline]
    invite_title = "Invite a school administrator"

    @admin.display(description="Invite")
    def invite_link(self, obj: School) -> str:
        return format_html(
            '<a href="{}">Invite a school administrator</a>',
            reverse("admin:schools_school_invite", args=[obj.pk]),
        )

    def _invite(self, *, request: HttpRequest, obj: Any, form: InviteForm) -> User:

        with transaction.atomic():
            person = staff_invite(
                actor=request.user,
                school=obj,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                job_title=form.cleaned_data["job_title"],
                roles=[RoleKey.ADMIN],
                platform=True,
            )
            platform_admin_event_record(
                actor=request.user,
                schools=[obj],
                action=PlatformAdminAction.ADMIN_INVITED,
                subject=_person(person),
            )
        return person

    def save_model(self, request: HttpRequest, obj: School, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and form.changed_data:
            platform_admin_event_record(
                actor=request.user,
                schools=[obj],
                action=PlatformAdminAction.SCHOOL_CHANGED,
                subject=obj.name,
                detail=_changed_labels(form),
            )


class _ReadOnlyMembershipAdmin(NoRelatedListingMixin, admin.ModelAdmin):
    """Who holds which role, to read. Roles are given in the product (the school administrator,
    confirmed by the head or DSL; the TSO for the trust), never here: the platform administrator
    must not be able to give itself, or anyone, a role that opens children's records."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        """Refused with the reason and what to do instead, on the role's page (not a 403)."""
        return _refuse_delete(self, request, object_id, MEMBERSHIP_DELETE_REFUSED)


@admin.register(SchoolMembership)
class SchoolMembershipAdmin(_ReadOnlyMembershipAdmin):
    list_display = ["user", "school", "role"]
    list_filter = ["school", "role"]
    list_select_related = ["user", "school"]
    fields = ["user", "school", "role"]


@admin.register(TrustMembership)
class TrustMembershipAdmin(_ReadOnlyMembershipAdmin):
    list_display = ["user", "trust", "role"]
    list_select_related = ["user", "trust"]
    fields = ["user", "trust", "role"]


# --- Second factors (issue 16, docs/adr/0028) -----------------------------------------------------
# The platform administrator resets the second factors of people with a trust or platform role
# (a school's DSL or head resets their colleagues'): they see which a person has and delete a lost
# one. Never the secret: no key, no QR code, nothing to add or change.


class SecondFactorAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "confirmed")
    list_filter = ("confirmed",)
    search_fields = ("user__email", "user__full_name")
    fields = ("user", "name", "confirmed")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _second_factor_admins() -> None:
    for model in (TOTPDevice, WebAuthnCredential, RecoveryCodeDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)  # django-otp's own shows the key and its QR code
        admin.site.register(model, SecondFactorAdmin)


_second_factor_admins()
