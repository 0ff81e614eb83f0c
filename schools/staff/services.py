"""Writes to staff accounts and roles: invitations, role changes, confirmations, leavers.

Every change writes a row of the append-only history (`MembershipEvent` for a school,
`TrustMembershipEvent` for a trust), with names copied as they were. A child-protection role
(DSL, deputy, headteacher) given by the school administrator waits as a `RoleRequest` until the
headteacher or the DSL confirms it; every change to one is told to the school's DSLs and head.
See docs/adr/0024.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from safeguard.access import access_for, forget_access
from safeguard.notifications import NotificationKind, notify
from safeguard.roles import CP_ROLE_CONFIRMERS, CP_ROLES, ROLES, Perm, RoleKey, Scope
from schools import services as school_services
from schools.models import (
    MembershipAction,
    MembershipEvent,
    RoleRequest,
    School,
    SchoolMembership,
    Trust,
    TrustMembership,
    TrustMembershipEvent,
    User,
)
from schools.twofactor.devices import second_factors_remove

from .tokens import invitation_tokens

logger = logging.getLogger(__name__)

# Roles that open children's records (CP_ROLES) are given only once the headteacher or the DSL
# confirms (CONFIRMER_ROLES), who are told of every change to one.
CONFIRMER_ROLES = CP_ROLE_CONFIRMERS
SCHOOL_ROLES = [key for key, role in ROLES.items() if role.scope is Scope.SCHOOL]
PLATFORM_SCHOOL_ROLES = frozenset({RoleKey.ADMIN})
PLATFORM_NAME = "Platform administrator"
NAME_MAX = 150
NOTE_MAX = 500
REASON_MAX = 2000


def _name(user: Any) -> str:
    return (getattr(user, "full_name", "") or getattr(user, "email", "") or "")[:200]


def _label(role: str) -> str:
    return ROLES[role].label if role in ROLES else role


def _history(
    *, actor: Any, person: User, action: str, role: str, note: str, platform: bool
) -> dict[str, Any]:
    """The columns every history row shares (school and trust alike), names copied now."""
    return {
        "actor": actor if actor is not None and getattr(actor, "pk", None) else None,
        "actor_name": PLATFORM_NAME if platform else (_name(actor) if actor else "Safeguard"),
        "person": person,
        "person_name": _name(person),
        "person_email": person.email,
        "action": action,
        "role": role,
        "note": note[:NOTE_MAX],
    }


def _event(
    *,
    school: School,
    actor: Any,
    person: User,
    action: str,
    role: str = "",
    note: str = "",
    platform: bool = False,
) -> MembershipEvent:
    return MembershipEvent.objects.create(
        school=school,
        **_history(
            actor=actor, person=person, action=action, role=role, note=note, platform=platform
        ),
    )


def _trust_event(
    *,
    trust: Trust,
    actor: Any,
    person: User,
    action: str,
    role: str = "",
    note: str = "",
    platform: bool = False,
) -> TrustMembershipEvent:
    return TrustMembershipEvent.objects.create(
        trust=trust,
        **_history(
            actor=actor, person=person, action=action, role=role, note=note, platform=platform
        ),
    )


# --- Who may do what ----------------------------------------------------------------------------


def _require_staff_manager(actor: Any, school: School) -> None:
    if actor is None or not access_for(actor).has(Perm.MANAGE_STAFF, school):
        raise PermissionDenied("Only the school administrator keeps staff accounts.")


def _require_platform(actor: Any) -> None:
    if actor is None or not (actor.is_staff or actor.is_superuser):
        raise PermissionDenied("Only a platform administrator invites from the platform.")


def _confirmer_ids(school: School, *, besides: User) -> list[int]:
    """The active heads and DSLs of the school other than `besides`."""
    return list(
        SchoolMembership.objects.filter(
            school=school, role__in=CONFIRMER_ROLES, user__is_active=True
        )
        .exclude(user=besides)
        .values_list("user_id", flat=True)
        .distinct()
    )


def tso_confirms(role_request: RoleRequest) -> bool:
    """True while the school has no head or DSL but the person asked about (a school going live):
    then the trust safeguarding officer confirms instead."""
    return not _confirmer_ids(role_request.school, besides=role_request.user)


def may_decide(actor: Any, role_request: RoleRequest) -> bool:
    """Whether `actor` may confirm or decline this request: the school's head or DSL, or the
    trust's TSO while the school has neither; never the person the role is for."""
    if actor is None or actor.pk == role_request.user_id or not actor.is_active:
        return False
    access = access_for(actor)
    if access.has(Perm.CONFIRM_CP_ROLES, role_request.school_id):
        return True
    return role_request.school.trust_id in access.trust_ids_with(
        Perm.MANAGE_TRUST_ROLES
    ) and tso_confirms(role_request)


# --- Notifications and emails ---------------------------------------------------------------------


def _cp_watchers(school: School) -> list[User]:
    """The school's DSLs and head: told of every change to a child-protection role."""
    return list(
        User.objects.filter(
            is_active=True,
            school_memberships__school=school,
            school_memberships__role__in=CONFIRMER_ROLES,
        ).distinct()
    )


def _trust_officers(trust_id: int) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True,
            trust_memberships__trust_id=trust_id,
            trust_memberships__role=RoleKey.TSO,
        ).distinct()
    )


def _notify_cp_change(
    *,
    school: School,
    kind: NotificationKind,
    title: str,
    link_name: str,
    extra: Iterable[User] = (),
) -> None:
    watchers = {u.pk: u for u in _cp_watchers(school)}
    officers = {u.pk: u for u in _trust_officers(school.trust_id)}
    others = {u.pk: u for u in extra if u.pk not in watchers}
    if not watchers:
        # A school with no head or DSL (going live, or the last one just taken away): its trust
        # safeguarding officers are told instead, so no CP-role change goes unseen.
        others.update(officers)
    # Each recipient gets a link they may open: the head and DSL the page named; a TSO the
    # roles waiting (they read no staff history); someone who just lost the role, home.
    links: dict[str, list[User]] = {}
    links.setdefault(reverse(link_name), []).extend(watchers.values())
    for pk, user in others.items():
        links.setdefault(reverse("role-request-list" if pk in officers else "home"), []).append(
            user
        )
    for link, recipients in links.items():
        if recipients:
            notify(school=school, recipients=recipients, kind=kind, title=title, link=link)


def _request_title(request: RoleRequest) -> str:
    return (
        f"{_label(request.role)} role given to {_name(request.user)} at "
        f"{request.school.name}: please confirm"
    )


def role_request_notifications_settle(*, request: RoleRequest) -> int:
    """Mark read, for every recipient, the "please confirm" notifications a request no longer
    needs once it is decided (or withdrawn); with nothing left waiting at the school, all of them.
    The number marked."""
    from safeguard.models import Notification

    asked = Notification.objects.filter(
        school=request.school,
        kind=NotificationKind.CP_ROLE_REQUESTED,
        link=reverse("role-request-list"),
        read_at__isnull=True,
    )
    still_waiting = RoleRequest.objects.filter(
        school=request.school, status=RoleRequest.Status.PENDING
    ).exists()
    if still_waiting:
        asked = asked.filter(title=_request_title(request))
    return asked.update(read_at=timezone.now())


def _site_link(path: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def invitation_link(user: User) -> str:
    """The set-password link of an invitation (a path on this site)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse(
        "invitation-accept", kwargs={"uidb64": uid, "token": invitation_tokens.make_token(user)}
    )


# The emails a person is sent about their account: each composed when it is sent (so a link's
# token is made then), named by a kind a Celery task can take with ids.
INVITATION, ROLE_ADDED, PASSWORD_RESET = "invitation", "role_added", "password_reset"
TWO_FACTOR_ADDED, TWO_FACTOR_RESET = "two_factor_added", "two_factor_reset"
PASSWORD_CHANGED = "password_changed"  # noqa: S105 (the name of an email, not a password)


def _roles_lines(roles: list[str], waiting: list[str], *, there: bool = False) -> list[str]:
    lines = []
    if roles:
        lines.append(
            f"Your role{' there' if there else ''}: {', '.join(_label(r) for r in roles)}."
        )
    if waiting:
        lines.append(
            f"{', '.join(_label(r) for r in waiting)}: this role starts once the headteacher "
            "or the Designated Safeguarding Lead confirms it."
        )
    return lines


def staff_email_compose(
    *, kind: str, user: User, place: str, roles: list[str], waiting: list[str]
) -> tuple[str, str]:
    """The subject and body of an account email. Names the place and roles only: never a child."""
    if kind == INVITATION:
        days = settings.STAFF_INVITATION_DAYS
        lines = [
            f"Hello {user.full_name},",
            "",
            f"You have been invited to use Safeguard at {place}.",
            *_roles_lines(roles, waiting),
            "",
            f"Choose your password with this link (it works once, for {days} days):",
            _site_link(invitation_link(user)),
            "",
            "If the link has expired, ask your school administrator to send a new one.",
            "If you were not expecting this email, you can ignore it.",
        ]
        subject = f"You are invited to Safeguard at {place}"
    elif kind == ROLE_ADDED:
        lines = [
            f"Hello {user.full_name},",
            "",
            f"You have been added to {place} in Safeguard.",
            *_roles_lines(roles, waiting, there=True),
            "",
            "Sign in with your usual password and choose the school in the header:",
            _site_link(reverse("login")),
        ]
        subject = f"You have been added to {place} in Safeguard"
    elif kind == PASSWORD_RESET:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        path = reverse(
            "password_reset_confirm",
            kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)},
        )
        lines = [
            f"Hello {user.full_name},",
            "",
            f"The school administrator of {place} sent you a link to choose a new "
            "password for Safeguard. It works once, for an hour:",
            _site_link(path),
            "",
            "If you did not ask for this, you can ignore it: your password stays as it is.",
        ]
        subject = "Choose a new password for Safeguard"
    elif kind == TWO_FACTOR_ADDED:
        lines = [
            f"Hello {user.full_name},",
            "",
            "A new way of confirming it is you when you sign in (an authenticator app or a "
            "security key) was added to your Safeguard account.",
            "",
            "If this was not you, tell your Designated Safeguarding Lead or headteacher today: "
            "someone may know your password.",
        ]
        subject = "A new sign-in method was added to your Safeguard account"
    elif kind == PASSWORD_CHANGED:
        lines = [
            f"Hello {user.full_name},",
            "",
            "The password of your Safeguard account was changed, and you were signed out "
            "everywhere else.",
            "",
            "If this was not you, reset your password now and tell your Designated Safeguarding "
            "Lead or headteacher today:",
            _site_link(reverse("password_reset")),
        ]
        subject = "Your Safeguard password was changed"
    elif kind == TWO_FACTOR_RESET:
        lines = [
            f"Hello {user.full_name},",
            "",
            f"Your two-factor sign-in for Safeguard was reset at {place}, because your "
            "phone or security key was lost. Next time you sign in you will set it up again:",
            _site_link(reverse("login")),
            "",
            "If you did not ask for this, tell your headteacher today.",
        ]
        subject = "Your two-factor sign-in for Safeguard was reset"
    else:
        raise ValueError(f"unknown account email {kind!r}")
    lines += ["", "This email does not contain any details about a child."]
    return subject, "\n".join(lines)


def staff_email_send(
    *, kind: str, user_id: Any, place: str, roles: list[str], waiting: list[str]
) -> None:
    """Compose and send one account email now (raises when the mail server refuses)."""
    user = User.objects.get(pk=user_id)
    subject, body = staff_email_compose(
        kind=kind, user=user, place=place, roles=roles, waiting=waiting
    )
    send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])


def account_email_queue(
    kind: str,
    user: User,
    place: str,
    roles: list[str] | None = None,
    waiting: list[str] | None = None,
) -> None:
    """Send once the change is saved (an invitation for an account that was rolled back would be
    a link to nothing). A mail server that refuses does not undo the change or show an error
    page: the email is handed to the worker, which tries again for hours."""
    args: dict[str, Any] = {
        "kind": kind,
        "user_id": user.pk,
        "place": place,
        "roles": roles or [],
        "waiting": waiting or [],
    }

    def send() -> None:
        try:
            staff_email_send(**args)
        except Exception:
            logger.warning("account email %s to user %s failed; queued to retry", kind, user.pk)
            from schools.tasks import staff_email_retry

            try:
                staff_email_retry.delay(**args)
            except Exception:  # the broker is down too: "send the invitation again" remains
                logger.exception("account email %s to user %s could not be queued", kind, user.pk)

    transaction.on_commit(send)


def _email_invitation(*, user: User, place: str, roles: list[str], waiting: list[str]) -> None:
    account_email_queue(INVITATION, user, place, roles, waiting)


def _email_role_added(*, user: User, place: str, roles: list[str], waiting: list[str]) -> None:
    """Tell a person who already signs in that they now work somewhere else too."""
    account_email_queue(ROLE_ADDED, user, place, roles, waiting)


# --- Invitations ----------------------------------------------------------------------------------


def _clean_person(email: Any, full_name: Any, job_title: Any) -> tuple[str, str, str]:
    """The email, name and job title as typed, checked; refusals name the field."""
    problems: dict[str, str] = {}
    email = str(email or "").strip().lower()
    full_name = " ".join(str(full_name or "").split())
    job_title = " ".join(str(job_title or "").split())
    if not email:
        problems["email"] = "Enter their email address"
    else:
        try:
            if "\x00" in email or len(email) > 254:
                raise ValidationError("bad")
            validate_email(email)
        except ValidationError:
            problems["email"] = "Enter an email address like name@school.example"
    if not full_name:
        problems["full_name"] = "Enter their full name"
    elif len(full_name) > NAME_MAX or "\x00" in full_name:
        problems["full_name"] = f"Enter a name of {NAME_MAX} characters or fewer"
    if len(job_title) > NAME_MAX or "\x00" in job_title:
        problems["job_title"] = f"Enter a job title of {NAME_MAX} characters or fewer"
    if problems:
        raise ValidationError(problems)
    return email, full_name, job_title


def _account_for(*, email: str, full_name: str, job_title: str) -> tuple[User, bool, bool]:
    """The person's account, made if new: (user, created, reactivated)."""
    user = User.objects.select_for_update().filter(email__iexact=email).first()
    if user is None:
        try:
            with transaction.atomic():
                user = school_services.user_create(
                    email=email, full_name=full_name, job_title=job_title
                )
        except IntegrityError as exc:
            # Invited elsewhere (another school, the trust) at the same moment: no row to lock
            # existed, so the second insert fails; say so rather than a server error.
            raise ValidationError(
                {"email": "This person was invited elsewhere at the same moment: try again"}
            ) from exc
        return user, True, False
    if user.is_staff or user.is_superuser:
        raise ValidationError(
            {
                "email": "This is a platform administrator's account, which cannot hold a role "
                "in a school or trust: use another email address"
            }
        )
    reactivated = not user.is_active
    if reactivated and _holds_any_role(user):
        # Switched off while still holding roles (the platform suspended the account): an
        # invitation from one school must not switch it back on everywhere.
        raise ValidationError(
            {
                "email": "This account is switched off: ask the platform administrator before "
                "inviting this person"
            }
        )
    if reactivated:
        # A leaver coming back: their old password was withdrawn when they left.
        user.is_active = True
        # A blank job title on the invitation means "not given", not "none": keep the old one.
        user.full_name, user.job_title = full_name, job_title or user.job_title
        user.set_unusable_password()
        user.save(update_fields=["is_active", "full_name", "job_title", "password"])
    return user, False, reactivated


def _refuse_platform_account(person: User, *, field: str) -> None:
    if person.is_staff or person.is_superuser:
        raise ValidationError(
            {
                field: "This is a platform administrator's account, which cannot hold a role "
                "in a school or trust"
            }
        )


def _held_here(user: User, school: School) -> tuple[set[str], set[str]]:
    held = set(
        SchoolMembership.objects.filter(user=user, school=school).values_list("role", flat=True)
    )
    pending = set(
        RoleRequest.objects.filter(
            user=user, school=school, status=RoleRequest.Status.PENDING
        ).values_list("role", flat=True)
    )
    return held, pending


def _clean_roles(roles: Any) -> list[RoleKey]:
    """The roles ticked (strings from a form), checked and named by `RoleKey`."""
    chosen = [str(r) for r in (roles or [])]
    if not chosen:
        raise ValidationError({"roles": "Choose at least one role"})
    unknown = [r for r in chosen if r not in SCHOOL_ROLES]
    if unknown:
        raise ValidationError({"roles": "Choose roles from the list"})
    return [RoleKey(r) for r in sorted(set(chosen), key=SCHOOL_ROLES.index)]


def _give_role(
    *, actor: Any, school: School, person: User, role: RoleKey, platform: bool = False
) -> bool:
    """Give one role now, or ask for confirmation when it is a CP role; True when it waits."""
    _refuse_platform_account(person, field="roles")
    if role in CP_ROLES:
        request = RoleRequest(school=school, user=person, role=role, requested_by=actor)
        request.full_clean()
        request.save()
        _event(
            school=school,
            actor=actor,
            person=person,
            action=MembershipAction.ROLE_REQUESTED,
            role=role,
            platform=platform,
        )
        extra = _trust_officers(school.trust_id) if tso_confirms(request) else []
        _notify_cp_change(
            school=school,
            kind=NotificationKind.CP_ROLE_REQUESTED,
            title=_request_title(request),
            link_name="role-request-list",
            extra=extra,
        )
        return True
    school_services.school_membership_grant(user=person, school=school, role=role)
    _event(
        school=school,
        actor=actor,
        person=person,
        action=MembershipAction.ROLE_GRANTED,
        role=role,
        platform=platform,
    )
    return False


@transaction.atomic
def staff_invite(
    *,
    actor: Any,
    school: School,
    email: str,
    full_name: str,
    job_title: str = "",
    roles: list[str],
    platform: bool = False,
) -> User:
    """Invite a person to work in a school with these roles (a CP role waits for confirmation).

    A new person gets an account with no usable password and an emailed set-password link; a
    person who already has an account (they work in another school) gets the roles added to it.
    `platform=True` is the platform administrator, who may only give the "admin" role, and never
    to themselves.
    """
    if platform:
        _require_platform(actor)
    else:
        _require_staff_manager(actor, school)
    email, full_name, job_title = _clean_person(email, full_name, job_title)
    chosen = _clean_roles(roles)
    if platform:
        if set(chosen) - PLATFORM_SCHOOL_ROLES:
            raise ValidationError(
                {"roles": "The platform administrator can only invite a school administrator"}
            )
        if email == (actor.email or "").lower():
            raise ValidationError({"email": "You cannot give yourself a role in a school"})
    # Serialise invitations to one school, so two clicks cannot make two requests.
    School.objects.select_for_update().filter(pk=school.pk).first()
    person, created, reactivated = _account_for(
        email=email, full_name=full_name, job_title=job_title
    )
    held, pending = _held_here(person, school)
    if held or pending:
        raise ValidationError(
            {
                "email": f"{person.full_name} already works at {school.name}: change their roles "
                "on their page in the staff list"
            }
        )
    needs_password = created or reactivated or not person.has_usable_password()
    note = "" if created else "Already had an account" if not reactivated else ""
    _event(
        school=school,
        actor=actor,
        person=person,
        action=MembershipAction.INVITED,
        note=note,
        platform=platform,
    )
    if reactivated:
        _event(
            school=school,
            actor=actor,
            person=person,
            action=MembershipAction.ACCOUNT_REACTIVATED,
            platform=platform,
        )
    given: list[str] = []
    waiting: list[str] = []
    for role in chosen:
        waits = _give_role(actor=actor, school=school, person=person, role=role, platform=platform)
        (waiting if waits else given).append(role)
    if needs_password:
        _email_invitation(user=person, place=school.name, roles=given, waiting=waiting)
    else:
        _email_role_added(user=person, place=school.name, roles=given, waiting=waiting)
    return person


@transaction.atomic
def staff_invitation_resend(*, actor: Any, school: School, person: User) -> None:
    """Send a new set-password link to a person who has not yet chosen a password."""
    _require_staff_manager(actor, school)
    held, pending = _held_here(person, school)
    if not (held or pending) or not person.is_active:
        raise ValidationError("They no longer work at this school: invite them again instead")
    if person.has_usable_password():
        raise ValidationError(
            "They have already chosen a password: send a password reset link instead"
        )
    _event(school=school, actor=actor, person=person, action=MembershipAction.INVITE_RESENT)
    _email_invitation(user=person, place=school.name, roles=sorted(held), waiting=sorted(pending))


@transaction.atomic
def staff_password_reset_send(*, actor: Any, school: School, person: User) -> None:
    """Email a person a password-reset link (nobody ever sets someone else's password)."""
    _require_staff_manager(actor, school)
    held, pending = _held_here(person, school)
    if not (held or pending) or not person.is_active:
        raise ValidationError("They no longer work at this school: invite them again instead")
    if not person.has_usable_password():
        raise ValidationError("They have not chosen a password yet: send the invitation again")
    _event(school=school, actor=actor, person=person, action=MembershipAction.PASSWORD_RESET_SENT)
    account_email_queue(PASSWORD_RESET, person, school.name)


def works_elsewhere(*, person: User, school: School) -> bool:
    """Whether the person holds or waits for a role anywhere but this school (a trust role too)."""
    return (
        SchoolMembership.objects.filter(user=person).exclude(school=school).exists()
        or RoleRequest.objects.filter(user=person, status=RoleRequest.Status.PENDING)
        .exclude(school=school)
        .exists()
        or TrustMembership.objects.filter(user=person).exists()
    )


@transaction.atomic
def staff_details_change(
    *, actor: Any, school: School, person: User, full_name: str, job_title: str = ""
) -> User:
    """Correct a person's name or job title. Only for someone who works in this school alone:
    the account of a person shared with another school is not one school's to rename."""
    _require_staff_manager(actor, school)
    _, full_name, job_title = _clean_person(person.email, full_name, job_title)
    held, pending = _held_here(person, school)
    if not (held or pending) or not person.is_active:
        raise ValidationError("They no longer work at this school")
    if works_elsewhere(person=person, school=school):
        raise ValidationError(
            "They also work elsewhere in Safeguard, so their name and job title are not this "
            "school's to change: ask them to tell the platform administrator"
        )
    before = f"{person.full_name}, {person.job_title or 'no job title'}"
    if (person.full_name, person.job_title) == (full_name, job_title):
        return person
    person.full_name, person.job_title = full_name, job_title
    person.full_clean(exclude=["password"])
    person.save(update_fields=["full_name", "job_title"])
    _event(
        school=school,
        actor=actor,
        person=person,
        action=MembershipAction.DETAILS_CHANGED,
        note=f"Was {before}",
    )
    return person


# --- Changing roles -------------------------------------------------------------------------------


def _revoke_role(*, actor: Any, school: School, person: User, role: str, note: str = "") -> None:
    # Who watched CP roles before the change: a head or DSL losing their own role is told too.
    watchers_before = _cp_watchers(school) if role in CP_ROLES else []
    for membership in SchoolMembership.objects.filter(user=person, school=school, role=role):
        school_services.school_membership_revoke(membership=membership)
    _event(
        school=school,
        actor=actor,
        person=person,
        action=MembershipAction.ROLE_REVOKED,
        role=role,
        note=note,
    )
    if role in CP_ROLES:
        _notify_cp_change(
            school=school,
            kind=NotificationKind.CP_ROLE_REVOKED,
            title=f"{_label(role)} role taken away from {_name(person)} at {school.name}",
            link_name="staff-history",
            extra=watchers_before,
        )


def _request_close(
    *,
    actor: Any,
    request: RoleRequest,
    status: str,
    action: str,
    kind: NotificationKind,
    outcome: str,
    note: str = "",
    before_history: Any = None,
) -> None:
    """Close a role request: decided by whom and when, its history row, the CP-role change told
    to the school's leads, and the "please confirm" notifications settled. `before_history` runs
    between the save and the history row (confirming grants the role there)."""
    request.status = status
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.full_clean()
    request.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
    if before_history is not None:
        before_history()
    _event(
        school=request.school,
        actor=actor,
        person=request.user,
        action=action,
        role=request.role,
        note=note,
    )
    _notify_cp_change(
        school=request.school,
        kind=kind,
        title=f"{_label(request.role)} role for {_name(request.user)} at "
        f"{request.school.name} {outcome}",
        link_name="staff-history",
    )
    role_request_notifications_settle(request=request)


def _withdraw_request(*, actor: Any, request: RoleRequest, note: str = "") -> None:
    _request_close(
        actor=actor,
        request=request,
        status=RoleRequest.Status.WITHDRAWN,
        action=MembershipAction.ROLE_WITHDRAWN,
        kind=NotificationKind.CP_ROLE_WITHDRAWN,
        outcome="withdrawn before it was confirmed",
        note=note,
    )


@transaction.atomic
def staff_roles_set(*, actor: Any, school: School, person: User, roles: list[str]) -> None:
    """Make the person's roles in this school exactly `roles`: new CP roles wait for
    confirmation, others start at once; roles unticked are taken away (or, waiting, withdrawn)."""
    _require_staff_manager(actor, school)
    chosen = set(_clean_roles(roles))
    School.objects.select_for_update().filter(pk=school.pk).first()
    held, pending = _held_here(person, school)
    if not (held or pending) or not person.is_active:
        raise ValidationError({"roles": "They no longer work at this school: invite them again"})
    if person.pk == actor.pk and RoleKey.ADMIN in held and RoleKey.ADMIN not in chosen:
        raise ValidationError(
            {
                "roles": "You cannot take away your own administrator role: ask another "
                "administrator of the school or the platform administrator"
            }
        )
    for role in sorted(held - chosen, key=SCHOOL_ROLES.index):
        _revoke_role(actor=actor, school=school, person=person, role=role)
    for request in RoleRequest.objects.filter(
        user=person, school=school, status=RoleRequest.Status.PENDING, role__in=pending - chosen
    ).select_related("school", "user"):
        _withdraw_request(actor=actor, request=request)
    for role in sorted(chosen - held - pending, key=SCHOOL_ROLES.index):
        _give_role(actor=actor, school=school, person=person, role=role)
    forget_access(person)


# --- Confirming child-protection roles ------------------------------------------------------------


def _decidable(actor: Any, role_request: RoleRequest) -> RoleRequest:
    # The school's row first, as `staff_roles_set` and `staff_deactivate` take it: a confirmation
    # racing an untick or a leaver waits for it, then sees the request withdrawn.
    School.objects.select_for_update().filter(pk=role_request.school_id).first()
    locked = (
        RoleRequest.objects.select_for_update()
        .select_related("school", "user")
        .get(pk=role_request.pk)
    )
    if actor is not None and actor.pk == locked.user_id:
        raise ValidationError(
            "You cannot confirm or decline a role given to you: another "
            "headteacher or DSL of the school decides"
        )
    if not may_decide(actor, locked):
        raise PermissionDenied("Only the headteacher or the DSL of the school decides.")
    if locked.status != RoleRequest.Status.PENDING:
        raise ValidationError(f"This request was already {locked.get_status_display().lower()}")
    return locked


@transaction.atomic
def role_request_confirm(*, actor: Any, role_request: RoleRequest) -> SchoolMembership:
    """The headteacher or DSL (or, while the school has neither, the TSO) confirms a CP role."""
    request = _decidable(actor, role_request)
    if not request.user.is_active:
        raise ValidationError("Their account is deactivated: the school must invite them again")
    _refuse_platform_account(request.user, field=NON_FIELD_ERRORS)
    granted: list[SchoolMembership] = []
    _request_close(
        actor=actor,
        request=request,
        status=RoleRequest.Status.CONFIRMED,
        action=MembershipAction.ROLE_CONFIRMED,
        kind=NotificationKind.CP_ROLE_CONFIRMED,
        outcome=f"confirmed by {_name(actor)}",
        before_history=lambda: granted.append(
            school_services.school_membership_grant(
                user=request.user, school=request.school, role=RoleKey(request.role)
            )
        ),
    )
    role_request.status = request.status
    return granted[0]


@transaction.atomic
def role_request_decline(*, actor: Any, role_request: RoleRequest, reason: str) -> RoleRequest:
    """Decline a CP role with a reason the school administrator reads."""
    reason = str(reason or "").replace("\x00", "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the role is declined"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"Enter a reason of {REASON_MAX} characters or fewer"})
    request = _decidable(actor, role_request)
    request.reason = reason
    _request_close(
        actor=actor,
        request=request,
        status=RoleRequest.Status.DECLINED,
        action=MembershipAction.ROLE_DECLINED,
        kind=NotificationKind.CP_ROLE_DECLINED,
        outcome=f"declined by {_name(actor)}",
        note=reason,
    )
    role_request.status = request.status
    return request


# --- Leavers --------------------------------------------------------------------------------------


def _holds_any_role(user: User) -> bool:
    return (
        SchoolMembership.objects.filter(user=user).exists()
        or TrustMembership.objects.filter(user=user).exists()
        or RoleRequest.objects.filter(user=user, status=RoleRequest.Status.PENDING).exists()
    )


def _account_deactivate(user: User) -> None:
    """No roles left anywhere: the account stops working, and its sessions end on their next
    request (an inactive user is refused by the backend, and the changed password hash fails
    every session's check)."""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    forget_access(user)


@transaction.atomic
def staff_deactivate(*, actor: Any, school: School, person: User, note: str = "") -> bool:
    """A leaver: take away every role in this school (and withdraw waiting ones); deactivate the
    account when they hold no role anywhere else. True when the account was deactivated."""
    _require_staff_manager(actor, school)
    note = str(note or "").replace("\x00", "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": f"Enter a note of {NOTE_MAX} characters or fewer"})
    if person.pk == actor.pk:
        raise ValidationError("You cannot mark yourself as a leaver: ask another administrator")
    School.objects.select_for_update().filter(pk=school.pk).first()
    held, pending = _held_here(person, school)
    if not (held or pending):
        raise ValidationError("They no longer work at this school")
    for request in RoleRequest.objects.filter(
        user=person, school=school, status=RoleRequest.Status.PENDING
    ).select_related("school", "user"):
        _withdraw_request(actor=actor, request=request, note="Left the school")
    cp_held = sorted(held & CP_ROLES)
    SchoolMembership.objects.filter(user=person, school=school).delete()
    school_services.user_permissions_sync(user=person)
    _event(
        school=school,
        actor=actor,
        person=person,
        action=MembershipAction.DEACTIVATED,
        role=",".join(sorted(held, key=SCHOOL_ROLES.index)),
        note=note,
    )
    if cp_held:
        _notify_cp_change(
            school=school,
            kind=NotificationKind.CP_ROLE_REVOKED,
            title=f"{_name(person)} has left {school.name}: "
            f"{', '.join(_label(r) for r in cp_held)} role taken away",
            link_name="staff-history",
        )
    deactivated = not _holds_any_role(person)
    if deactivated:
        _account_deactivate(person)
        _event(
            school=school, actor=actor, person=person, action=MembershipAction.ACCOUNT_DEACTIVATED
        )
    return deactivated


# --- Trust roles ----------------------------------------------------------------------------------


def _notify_trust_role_change(*, trust: Trust, kind: NotificationKind, what: str) -> None:
    """Tell the head and DSLs of every school of the trust: a trust role reads their school's
    child-protection records, so it is a CP-role change of each school (whoever made it, the
    platform administrator included)."""
    for school in School.objects.filter(trust=trust).order_by("pk"):
        watchers = _cp_watchers(school)
        if watchers:
            notify(
                school=school,
                recipients=watchers,
                kind=kind,
                title=f"{what}: this role reads {school.name}'s child-protection records",
                link=reverse("home"),
            )


def _require_trust_manager(actor: Any, trust: Trust) -> None:
    if actor is None or trust.pk not in access_for(actor).trust_ids_with(Perm.MANAGE_TRUST_ROLES):
        raise PermissionDenied("Only the trust safeguarding officer keeps the trust's roles.")


@transaction.atomic
def trust_role_invite(
    *,
    actor: Any,
    trust: Trust,
    email: str,
    full_name: str,
    job_title: str = "",
    role: RoleKey = RoleKey.TSO,
    platform: bool = False,
) -> User:
    """Invite a person to a trust role (the trust safeguarding officer); an existing account gets
    the role added. `platform=True` is the platform administrator, never inviting themselves."""
    if platform:
        _require_platform(actor)
    else:
        _require_trust_manager(actor, trust)
    email, full_name, job_title = _clean_person(email, full_name, job_title)
    if role not in ROLES or ROLES[role].scope is not Scope.TRUST:
        raise ValidationError({"role": "Choose a trust role"})
    if email == (getattr(actor, "email", "") or "").lower():
        raise ValidationError({"email": "You cannot give yourself a role"})
    Trust.objects.select_for_update().filter(pk=trust.pk).first()
    person, created, reactivated = _account_for(
        email=email, full_name=full_name, job_title=job_title
    )
    if TrustMembership.objects.filter(user=person, trust=trust, role=role).exists():
        raise ValidationError(
            {"email": f"{person.full_name} is already {_label(role)} of {trust.name}"}
        )
    needs_password = created or reactivated or not person.has_usable_password()
    _trust_event(
        trust=trust,
        actor=actor,
        person=person,
        action=MembershipAction.INVITED,
        note="" if created else "Already had an account",
        platform=platform,
    )
    if reactivated:
        _trust_event(
            trust=trust,
            actor=actor,
            person=person,
            action=MembershipAction.ACCOUNT_REACTIVATED,
            platform=platform,
        )
    school_services.trust_membership_grant(user=person, trust=trust, role=role)
    _notify_trust_role_change(
        trust=trust,
        kind=NotificationKind.CP_ROLE_GRANTED,
        what=f"{_name(person)} was made {_label(role)} of {trust.name} by "
        f"{PLATFORM_NAME if platform else _name(actor)}",
    )
    _trust_event(
        trust=trust,
        actor=actor,
        person=person,
        action=MembershipAction.ROLE_GRANTED,
        role=role,
        platform=platform,
    )
    if needs_password:
        _email_invitation(user=person, place=trust.name, roles=[role], waiting=[])
    else:
        _email_role_added(user=person, place=trust.name, roles=[role], waiting=[])
    return person


@transaction.atomic
def trust_role_revoke(
    *, actor: Any, trust: Trust, person: User, role: RoleKey = RoleKey.TSO
) -> bool:
    """Take a trust role away (never the actor's own last one); deactivate the account when the
    person holds no role anywhere any more. True when the account was deactivated."""
    _require_trust_manager(actor, trust)
    Trust.objects.select_for_update().filter(pk=trust.pk).first()
    memberships = TrustMembership.objects.filter(user=person, trust=trust, role=role)
    if not memberships.exists():
        raise ValidationError("They do not hold this role in the trust")
    if person.pk == actor.pk:
        others = TrustMembership.objects.filter(user=actor).exclude(trust=trust, role=role)
        if not others.exists():
            raise ValidationError(
                "You cannot take away your own last trust role: ask another trust safeguarding "
                "officer or the platform administrator"
            )
    memberships.delete()
    school_services.user_permissions_sync(user=person)
    _notify_trust_role_change(
        trust=trust,
        kind=NotificationKind.CP_ROLE_REVOKED,
        what=f"{_label(role)} role of {trust.name} taken away from {_name(person)} by "
        f"{_name(actor)}",
    )
    _trust_event(
        trust=trust, actor=actor, person=person, action=MembershipAction.ROLE_REVOKED, role=role
    )
    deactivated = not _holds_any_role(person)
    if deactivated:
        _account_deactivate(person)
        _trust_event(
            trust=trust, actor=actor, person=person, action=MembershipAction.ACCOUNT_DEACTIVATED
        )
    return deactivated


@transaction.atomic
def staff_two_factor_reset(*, actor: Any, school: School, person: User, reason: str) -> None:
    """Take away a person's second factors (app, security keys, recovery codes) when they lose
    their device, with the reason in the school's staff history: they set one up again at their
    next sign-in. The school's DSL or headteacher does it; never for themselves, and never for a
    trust role or a platform administrator (the platform administrator does those)."""
    if actor is None or not access_for(actor).has(Perm.RESET_TWO_FACTOR, school):
        raise PermissionDenied("Only the DSL or the headteacher resets two-factor sign-in.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Enter why the two-factor sign-in is being reset"})
    if person.pk == actor.pk:
        raise ValidationError(
            "You cannot reset your own two-factor sign-in: ask the headteacher or the DSL"
        )
    held, pending = _held_here(person, school)
    if not (held or pending):
        raise ValidationError("They do not work at this school")
    if person.is_staff or person.is_superuser or person.trust_memberships.exists():
        raise ValidationError(
            "They hold a trust or platform role: the platform administrator resets theirs"
        )
    if not second_factors_remove(user=person):
        raise ValidationError("They have not set up two-factor sign-in: there is nothing to reset")
    _event(
        school=school,
        actor=actor,
        person=person,
        action=MembershipAction.TWO_FACTOR_RESET,
        note=reason,
    )
    account_email_queue(TWO_FACTOR_RESET, person, school.name)
