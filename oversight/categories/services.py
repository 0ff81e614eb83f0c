"""Category governance: the trust safeguarding officer (TSO) keeps the trust's category list
(add, rename, retire, restore); a school's DSL or deputy asks for a new category and the TSO
approves or declines it with a reason. Every change is written into the list's history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from concerns.models import Category
from oversight.models import (
    CategoryChange,
    CategoryChangeKind,
    CategoryRequest,
    CategoryRequestStatus,
)
from safeguard.access import access_for
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import Perm, RoleKey
from schools.models import School, Trust, User
from schools.selectors import safeguarding_leads

NAME_MAX = 120


def can_manage_categories(actor: Any, trust: Trust | int) -> bool:
    """Whether the actor owns this trust's category list (the TSO)."""
    trust_id = trust if isinstance(trust, int) else trust.pk
    return trust_id in access_for(actor).trust_ids_with(Perm.MANAGE_CATEGORIES)


def _require_manager(actor: Any, trust_id: int) -> None:
    if not can_manage_categories(actor, trust_id):
        raise PermissionDenied("Only the trust safeguarding officer changes the category list.")


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter the category's name"})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"The name must be {NAME_MAX} characters or fewer"})
    if ">" in name:
        # "Heading > Name" is how a sub-category is shown; a ">" in a name would read as a level.
        raise ValidationError({"name": "The name cannot contain '>'"})
    return name


def _check_parent(trust_id: int, parent: Category | None) -> None:
    if parent is None:
        return
    if parent.trust_id != trust_id or parent.parent_id is not None:
        raise ValidationError({"parent": "Choose a heading of the trust's list, or none"})
    if parent.retired_at is not None:
        raise ValidationError(
            {"parent": f"{parent.name} is retired: restore it first, or choose another heading"}
        )


def _check_unique(
    trust_id: int, parent: Category | None, name: str, *, exclude: int | None = None
) -> None:
    """Names are unique within their heading (or among the headings), whatever their case."""
    siblings = Category.objects.filter(trust_id=trust_id, parent=parent, name__iexact=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude)
    clash = siblings.first()
    if clash is None:
        return
    where = f"under {parent.name}" if parent is not None else "as a heading"
    if clash.retired_at is not None:
        raise ValidationError(
            {"name": f"A retired category {where} is called {clash.name}: restore it instead"}
        )
    raise ValidationError({"name": f"There is already a category {where} called {clash.name}"})


def _record(
    *,
    actor: Any,
    trust_id: int,
    kind: str,
    category: Category | None = None,
    from_label: str = "",
    to_label: str = "",
    detail: str = "",
    request: CategoryRequest | None = None,
    at: Any = None,
) -> CategoryChange:
    return CategoryChange.objects.create(
        trust_id=trust_id,
        category=category,
        kind=kind,
        from_label=from_label,
        to_label=to_label,
        detail=detail,
        request=request,
        requesting_school_name=request.school.name if request is not None else "",
        changed_by=actor,
        changed_by_name=actor.full_name or actor.email,
        changed_at=at or timezone.now(),
    )


def _lock_list(trust_id: int) -> None:
    """Serialise changes to one trust's list (two people adding the same name at once)."""
    Trust.objects.select_for_update().filter(pk=trust_id).first()


@transaction.atomic
def category_create(
    *,
    actor: Any,
    trust: Trust,
    name: str,
    parent: Category | None = None,
    request: CategoryRequest | None = None,
) -> Category:
    """Add a heading, or a category under a heading, at the end of its level."""
    _require_manager(actor, trust.pk)
    _lock_list(trust.pk)
    name = _clean_name(name)
    _check_parent(trust.pk, parent)
    _check_unique(trust.pk, parent, name)
    last = Category.objects.filter(trust=trust, parent=parent).aggregate(m=Max("position"))["m"]
    category = Category(
        trust=trust, parent=parent, name=name, position=0 if last is None else last + 1
    )
    category.full_clean()
    category.save()
    _record(
        actor=actor,
        trust_id=trust.pk,
        kind=CategoryChangeKind.ADDED,
        category=category,
        to_label=category.label,
        request=request,
    )
    return category


@transaction.atomic
def category_rename(*, actor: Any, category: Category, name: str) -> Category:
    """Give a category a new name. Signed concerns keep the label they were signed with."""
    _require_manager(actor, category.trust_id)
    _lock_list(category.trust_id)
    category = Category.objects.select_related("parent").get(pk=category.pk)
    name = _clean_name(name)
    if name == category.name:
        raise ValidationError({"name": f"The category is already called {name}"})
    _check_unique(category.trust_id, category.parent, name, exclude=category.pk)
    before = category.label
    category.name = name
    category.full_clean()
    category.save(update_fields=["name"])
    _record(
        actor=actor,
        trust_id=category.trust_id,
        kind=CategoryChangeKind.RENAMED,
        category=category,
        from_label=before,
        to_label=category.label,
    )
    return category


@transaction.atomic
def category_retire(*, actor: Any, category: Category) -> list[Category]:
    """Stop offering a category on new concerns (old records keep it). Retiring a heading retires
    its categories still in use at the same moment; returns every category retired."""
    _require_manager(actor, category.trust_id)
    _lock_list(category.trust_id)
    category = Category.objects.select_related("parent").get(pk=category.pk)
    if category.retired_at is not None:
        raise ValidationError(f"{category.label} is already retired")
    now = timezone.now()
    children = list(category.children.filter(retired_at__isnull=True).order_by("position", "name"))
    retired = [category, *children]
    Category.objects.filter(pk__in=[c.pk for c in retired]).update(retired_at=now)
    for c in retired:
        c.retired_at = now
    _record(
        actor=actor,
        trust_id=category.trust_id,
        kind=CategoryChangeKind.RETIRED,
        category=category,
        from_label=category.label,
        detail=("With its categories: " + "; ".join(c.name for c in children) if children else ""),
        at=now,
    )
    return retired


@transaction.atomic
def category_restore(*, actor: Any, category: Category) -> list[Category]:
    """Offer a retired category again. Restoring a heading restores the categories retired with
    it (not those retired before it); a category under a retired heading waits for its heading."""
    _require_manager(actor, category.trust_id)
    _lock_list(category.trust_id)
    category = Category.objects.select_related("parent").get(pk=category.pk)
    if category.retired_at is None:
        raise ValidationError(f"{category.label} is in use, not retired")
    if category.parent is not None and category.parent.retired_at is not None:
        raise ValidationError(
            f"{category.parent.name} is retired: restore the heading first, then {category.name}"
        )
    children = list(
        category.children.filter(retired_at=category.retired_at).order_by("position", "name")
    )
    restored = [category, *children]
    Category.objects.filter(pk__in=[c.pk for c in restored]).update(retired_at=None)
    for c in restored:
        c.retired_at = None
    _record(
        actor=actor,
        trust_id=category.trust_id,
        kind=CategoryChangeKind.RESTORED,
        category=category,
        to_label=category.label,
        detail=("With its categories: " + "; ".join(c.name for c in children) if children else ""),
    )
    return restored


# Requests from schools ---------------------------------------------------------------------------


def can_request_categories(actor: Any, school: School | int) -> bool:
    """The school's DSL and deputies ask for categories (they use them in triage)."""
    return access_for(actor).has(Perm.MANAGE_CP_RECORDS, school)


def _trust_safeguarding_officers(trust_id: int) -> list[User]:
    return list(
        User.objects.filter(
            trust_memberships__trust_id=trust_id,
            trust_memberships__role=RoleKey.TSO,
            is_active=True,
        ).distinct()
    )


@transaction.atomic
def category_request_create(
    *, actor: Any, school: School, name: str, parent: Category | None, reason: str
) -> CategoryRequest:
    """A school asks the trust for a new category; the trust's TSOs are told (no child's
    details: the request names a category, never a child)."""
    if not can_request_categories(actor, school):
        raise PermissionDenied("Only the school's DSL and deputies ask for categories.")
    name = _clean_name(name)
    _check_parent(school.trust_id, parent)
    _check_unique(school.trust_id, parent, name)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the school needs this category"})
    pending = CategoryRequest.objects.filter(
        school__trust_id=school.trust_id,
        status=CategoryRequestStatus.PENDING,
        parent=parent,
        name__iexact=name,
    ).first()
    if pending is not None:
        raise ValidationError(
            {"name": f"{pending.school.name} has already asked for {pending.name}: it is waiting"}
        )
    request = CategoryRequest(
        school=school,
        requested_by=actor,
        requested_by_name=actor.full_name or actor.email,
        name=name,
        parent=parent,
        reason=reason,
    )
    request.full_clean()
    request.save()
    notify(
        school=school,
        recipients=_trust_safeguarding_officers(school.trust_id),
        kind=NotificationKind.CATEGORY_REQUESTED,
        title=f"{school.name} asks for a new category: {name}",
        link=reverse("category-request-detail", kwargs={"pk": request.pk}),
    )
    return request


def _pending_for_decision(actor: Any, request: CategoryRequest) -> CategoryRequest:
    request = (
        CategoryRequest.objects.select_for_update(of=("self",))
        .select_related("school", "parent")
        .get(pk=request.pk)
    )
    _require_manager(actor, request.school.trust_id)
    if not request.is_pending:
        raise ValidationError(f"This request was already {request.get_status_display().lower()}")
    return request


def _tell_school(request: CategoryRequest, title: str) -> None:
    notify(
        school=request.school,
        recipients=[request.requested_by, *safeguarding_leads(request.school)],
        kind=NotificationKind.CATEGORY_REQUEST_DECIDED,
        title=title,
        link=reverse("category-request-detail", kwargs={"pk": request.pk}),
    )


@transaction.atomic
def category_request_approve(
    *, actor: Any, request: CategoryRequest, name: str, reason: str = ""
) -> Category:
    """Approve a request: the category is added (under the name the TSO settles on)."""
    request = _pending_for_decision(actor, request)
    category = category_create(
        actor=actor,
        trust=request.school.trust,
        name=name,
        parent=request.parent,
        request=request,
    )
    now = timezone.now()
    request.status = CategoryRequestStatus.APPROVED
    request.decided_by = actor
    request.decided_by_name = actor.full_name or actor.email
    request.decided_at = now
    request.decision_reason = (reason or "").strip()
    request.category = category
    request.save()
    _tell_school(request, f"Category request approved: {category.label} is on the list")
    return category


@transaction.atomic
def category_request_decline(*, actor: Any, request: CategoryRequest, reason: str) -> None:
    """Decline a request with the reason the school will read."""
    request = _pending_for_decision(actor, request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"decline_reason": "Say why the request is declined"})
    now = timezone.now()
    request.status = CategoryRequestStatus.DECLINED
    request.decided_by = actor
    request.decided_by_name = actor.full_name or actor.email
    request.decided_at = now
    request.decision_reason = reason
    request.save()
    label = f"{request.parent.name} > {request.name}" if request.parent else request.name
    _record(
        actor=actor,
        trust_id=request.school.trust_id,
        kind=CategoryChangeKind.REQUEST_DECLINED,
        to_label=label,
        detail=reason,
        request=request,
        at=now,
    )
    _tell_school(request, f"Category request declined: {request.name}")
