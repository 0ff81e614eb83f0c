"""Who may do what where: the one place views, selectors and tasks ask.

The guardian object-permission rows on `School` and `Trust` are the store; this module reads a
user's rows once per request (one query, two when a trust role is held) and answers every check
from memory. A permission held on a trust applies to each school of that trust.

Platform administrators (`is_superuser`) get no implicit access to children's records here: the
platform creates schools, it does not read them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from .roles import Perm

if TYPE_CHECKING:
    from schools.models import School

M = TypeVar("M", bound=Model)

_CACHE_ATTR = "_safeguard_access"
# During a request, answers are cached per user id (so every copy of a user object shares them and
# `forget_access` reaches them all); outside a request, on the user object itself.
_request_cache: ContextVar[dict[Any, Access] | None] = ContextVar("safeguard_access", default=None)


class Access:
    """The permissions one user holds, per school id."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self._by_school: dict[int, frozenset[str]] | None = None
        self._trust_perms: dict[int, frozenset[str]] = {}
        self._trust_of: dict[int, int] = {}  # school id -> trust id, for trust roles' schools

    def _load(self) -> dict[int, frozenset[str]]:
        if self._by_school is not None:
            return self._by_school
        from guardian.models import UserObjectPermission

        from schools.models import School, Trust

        by_school: dict[int, set[str]] = defaultdict(set)
        by_trust: dict[int, set[str]] = defaultdict(set)
        if self.user is not None and self.user.is_authenticated and self.user.is_active:
            cts = ContentType.objects.get_for_models(School, Trust)
            school_ct, trust_ct = cts[School].id, cts[Trust].id
            rows = UserObjectPermission.objects.filter(
                user_id=self.user.pk, content_type_id__in=[school_ct, trust_ct]
            ).values_list("content_type_id", "object_pk", "permission__codename")
            for ct_id, object_pk, codename in rows:
                target = by_school if ct_id == school_ct else by_trust
                target[int(object_pk)].add(codename)
            if by_trust:
                schools = School.objects.filter(trust_id__in=by_trust).values_list("id", "trust_id")
                for school_id, trust_id in schools:
                    by_school[school_id] |= by_trust[trust_id]
                    self._trust_of[school_id] = trust_id
        self._trust_perms = {k: frozenset(v) for k, v in by_trust.items()}
        self._by_school = {k: frozenset(v) for k, v in by_school.items()}
        return self._by_school

    def school_ids(self) -> list[int]:
        """Every school where the user holds any permission."""
        return sorted(self._load())

    def schools_with(self, perm: Perm) -> list[int]:
        """The ids of the schools where the user holds `perm`."""
        return sorted(sid for sid, perms in self._load().items() if perm.value in perms)

    def has(self, perm: Perm, school: School | int | None) -> bool:
        if school is None:
            return False
        school_id = school if isinstance(school, int) else school.pk
        return perm.value in self._load().get(school_id, frozenset())

    def perms_in(self, school: School | int) -> frozenset[str]:
        school_id = school if isinstance(school, int) else school.pk
        return self._load().get(school_id, frozenset())

    def trust_school_ids(self, school: School | int) -> list[int]:
        """The schools of `school`'s trust, if the user holds a trust role there (the trust
        safeguarding officer), else []. From the permissions already loaded: no query."""
        school_id = school if isinstance(school, int) else school.pk
        self._load()
        trust_id = self._trust_of.get(school_id)
        if trust_id is None:
            return []
        return sorted(s for s, t in self._trust_of.items() if t == trust_id)

    def trust_ids_with(self, perm: Perm) -> list[int]:
        self._load()
        return sorted(tid for tid, perms in self._trust_perms.items() if perm.value in perms)


def access_for(user: Any) -> Access:
    """The user's `Access`, cached for the life of the request."""
    store = _request_cache.get()
    if store is not None:
        key = getattr(user, "pk", None)
        if key not in store:
            store[key] = Access(user)
        return store[key]
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = Access(user)
        try:
            setattr(user, _CACHE_ATTR, cached)
        except AttributeError:  # AnonymousUser instances are shared; do not cache on them
            pass
    return cached


def forget_access(user: Any) -> None:
    """Drop the cached permissions (after memberships change)."""
    store = _request_cache.get()
    if store is not None:
        store.pop(getattr(user, "pk", None), None)
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


@contextmanager
def access_cache() -> Iterator[None]:
    """Cache permission answers per user id for the duration of the block (one request)."""
    token = _request_cache.set({})
    try:
        yield
    finally:
        _request_cache.reset(token)


def scope(queryset: QuerySet[M], *, actor: Any, perm: Perm, field: str = "school") -> QuerySet[M]:
    """Narrow a queryset of tenant records to the schools where `actor` holds `perm`."""
    return queryset.filter(**{f"{field}__in": access_for(actor).schools_with(perm)})


class NoSuchRecord(Http404):
    """The one 404 for a record that is missing, another school's or not the person's to see.

    The page says no more than "No such record." whatever the reason; the exception carries what
    was asked for (the model and the id), so the refusal can be written to the security log
    (`safeguard.security_log`) without the page, or its timing, telling which it was."""

    def __init__(self, model: type[Model], record_id: Any) -> None:
        super().__init__("No such record.")
        self.model = model
        self.record_id = record_id


def get_or_404(queryset: QuerySet[M], *args: Any, **lookup: Any) -> M:
    """One record of a scoped queryset, or the same 404 for every reason it is not there."""
    try:
        return queryset.get(*args, **lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError) as exc:
        # ValidationError and ValueError: a malformed id in the URL is just another missing record.
        raise NoSuchRecord(queryset.model, lookup.get("pk", lookup.get("id"))) from exc


def get_for_actor_or_404(
    queryset: QuerySet[M], *, actor: Any, perm: Perm, field: str = "school", **lookup: Any
) -> M:
    """One record the actor may see; missing, other-school and forbidden all raise the same 404."""
    return get_or_404(scope(queryset, actor=actor, perm=perm, field=field), **lookup)


def require(actor: Any, perm: Perm, schools: Iterable[Any]) -> None:
    """Raise 404 unless the actor holds `perm` in every one of `schools`."""
    access = access_for(actor)
    if not all(access.has(perm, s) for s in schools):
        raise Http404("No such record.")
