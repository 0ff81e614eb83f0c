"""Register, renew and revoke API clients, and record their calls (docs/adr/0035)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.models import UserObjectPermission
from knox.models import AuthToken

from safeguard.access import access_for, forget_access
from safeguard.roles import Perm
from schools.models import School, Trust, User

from .models import ApiCall, ApiClient
from .scopes import SCOPE_GIVEN_BY, SCOPE_LABELS, SCOPE_PERMS, TRUST_SCOPE_PERMS, ApiScope

# How long a secret lasts, in days: what the form offers, and the longest.
SECRET_LIFETIMES = (30, 90, 365)
NAME_LONGEST = 100
# The email of a client's account: a reserved domain (RFC 2606) that no mail reaches.
_ACCOUNT_DOMAIN = "api-clients.invalid"
# A client's last use is written at most this often (not on every call).
LAST_USED_EVERY = datetime.timedelta(minutes=1)


def can_manage_clients(
    actor: Any, *, school: School | None = None, trust: Trust | None = None
) -> bool:
    """Whether the actor registers and revokes clients for this school (its DSL or head, or the
    trust's TSO) or for the whole trust (the TSO)."""
    access = access_for(actor)
    if trust is not None:
        return trust.pk in access.trust_ids_with(Perm.MANAGE_API_CLIENTS)
    return school is not None and access.has(Perm.MANAGE_API_CLIENTS, school)


def _require_manager(actor: Any, client_or_target: ApiClient | School | Trust) -> None:
    if isinstance(client_or_target, ApiClient):
        allowed = can_manage_clients(
            actor, school=client_or_target.school, trust=client_or_target.trust
        )
    elif isinstance(client_or_target, Trust):
        allowed = can_manage_clients(actor, trust=client_or_target)
    else:
        allowed = can_manage_clients(actor, school=client_or_target)
    if not allowed:
        raise PermissionDenied


def client_problems(*, name: str, scopes: Iterable[str], lifetime_days: int) -> dict[str, str]:
    """What is wrong with a client as asked for, by field (empty when nothing is)."""
    problems: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        problems["name"] = "Enter a name for the system, such as the product and what it does"
    elif len(name) > NAME_LONGEST:
        problems["name"] = f"Name must be {NAME_LONGEST} characters or fewer"
    known = {s.value for s in ApiScope}
    chosen = list(scopes)
    if not chosen:
        problems["scopes"] = "Select what the system may do"
    elif any(s not in known for s in chosen):
        problems["scopes"] = "Select only what the list offers"
    if lifetime_days not in SECRET_LIFETIMES:
        problems["lifetime_days"] = "Select how long the secret lasts"
    return problems


def scopes_withheld(
    actor: Any, scopes: Iterable[str], *, school: School | None, trust: Trust | None
) -> list[ApiScope]:
    """The scopes the actor may not give a client of this school or trust (SCOPE_GIVEN_BY)."""
    access = access_for(actor)

    def holds(perm: Perm) -> bool:
        if trust is not None:
            return trust.pk in access.trust_ids_with(perm)
        return access.has(perm, school)

    return [
        ApiScope(s)
        for s in scopes
        if s in set(ApiScope) and not any(holds(p) for p in SCOPE_GIVEN_BY[ApiScope(s)])
    ]


def _grant_scopes(client: ApiClient) -> None:
    target: School | Trust = client.trust if client.trust is not None else client.school  # type: ignore[assignment]
    table = TRUST_SCOPE_PERMS if client.trust is not None else SCOPE_PERMS
    codenames = {p.value for s in client.scopes for p in table[ApiScope(s)]}
    content_type = ContentType.objects.get_for_model(target)
    UserObjectPermission.objects.bulk_create(
        [
            UserObjectPermission(
                user=client.user, permission=p, content_type=content_type, object_pk=str(target.pk)
            )
            for p in Permission.objects.filter(content_type=content_type, codename__in=codenames)
        ],
        ignore_conflicts=True,
    )
    forget_access(client.user)


def _new_secret(client: ApiClient, lifetime_days: int) -> str:
    AuthToken.objects.filter(user=client.user).delete()
    expiry = datetime.timedelta(days=lifetime_days)
    token, secret = AuthToken.objects.create(user=client.user, expiry=expiry)
    client.secret_expires_at = token.expiry
    return str(secret)


@transaction.atomic
def api_client_register(
    *,
    actor: Any,
    name: str,
    scopes: Iterable[str],
    lifetime_days: int,
    school: School | None = None,
    trust: Trust | None = None,
) -> tuple[ApiClient, str]:
    """Register a client for one school or a whole trust: its account, its scopes granted to
    that account, and its secret, returned here once and kept only as a hash."""
    if (school is None) == (trust is None):
        raise ValueError("A client is for one school or one trust.")
    _require_manager(actor, trust if trust is not None else school)  # type: ignore[arg-type]
    chosen = sorted(set(scopes))
    problems = client_problems(name=name, scopes=chosen, lifetime_days=lifetime_days)
    if "scopes" not in problems and (
        withheld := scopes_withheld(actor, chosen, school=school, trust=trust)
    ):
        where = "across the trust" if trust is not None else "at this school"
        problems["scopes"] = (
            "You can give a system only what you may do yourself "
            f"{where}: not “{'”, “'.join(SCOPE_LABELS[s] for s in withheld)}”"
        )
    if problems:
        raise ValidationError(problems)
    name = name.strip()
    account = User.objects.create_user(
        email=f"client-{uuid.uuid4().hex}@{_ACCOUNT_DOMAIN}",
        password=None,  # unusable: a client never signs in to a page
        full_name=f"{name} (system)",
        job_title="API client",
    )
    client = ApiClient(
        name=name,
        school=school,
        trust=trust,
        scopes=chosen,
        user=account,
        created_by=actor,
        secret_expires_at=timezone.now(),
    )
    secret = _new_secret(client, lifetime_days)
    client.save()
    _grant_scopes(client)
    return client, secret


@transaction.atomic
def api_client_new_secret(*, actor: Any, client: ApiClient, lifetime_days: int) -> str:
    """A new secret for a client (the old one stops working at once), shown once."""
    _require_manager(actor, client)
    if client.revoked_at is not None:
        raise ValidationError("This client is revoked: register a new one.")
    if lifetime_days not in SECRET_LIFETIMES:
        raise ValidationError({"lifetime_days": "Select how long the secret lasts"})
    secret = _new_secret(client, lifetime_days)
    client.save(update_fields=["secret_expires_at"])
    return secret


@transaction.atomic
def api_client_revoke(*, actor: Any, client: ApiClient) -> ApiClient:
    """Stop a client for good: its secret deleted, its permissions taken away, its account
    closed. Its calls stay on record."""
    _require_manager(actor, client)
    if client.revoked_at is not None:
        return client
    AuthToken.objects.filter(user=client.user).delete()
    UserObjectPermission.objects.filter(user=client.user).delete()
    User.objects.filter(pk=client.user_id).update(is_active=False)
    forget_access(client.user)
    client.revoked_at = timezone.now()
    client.revoked_by = actor
    client.save(update_fields=["revoked_at", "revoked_by"])
    return client


def api_call_record(
    *,
    client: ApiClient,
    method: str,
    route: str,
    scope: str,
    school_id: int | None,
    status: int,
    trust_id: int | None = None,
) -> None:
    """Write one call to the record, and the client's last use (at most once a minute)."""
    now = timezone.now()
    ApiCall.objects.create(
        client=client,
        method=method[:10],
        route=route[:200],
        scope=scope[:30],
        school_id=school_id,
        trust_id=trust_id,
        status=status,
    )
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_EVERY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
