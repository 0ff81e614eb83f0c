"""Reads of concerns, DSL records and actions, always scoped by the acting user.

Who sees what:
- a reporter sees their own drafts and their submitted concerns with its status and what they
  added later, never Part 2 nor what anyone else added (docs/adr/0032);
- people who read CP records (DSL, deputies, head, TSO) see the school's submitted concerns,
  except restricted ones, which only the DSL and the people named on them see;
- everything that came from a restricted concern (its actions, addenda, chronology lines,
  referrals, risk assessments) follows it: `hidden_concern_exists` and `action_visible_q` say so
  in the query, so no list, page or reminder can show it to anyone else, the owner of one of its
  actions included.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from guardian.models import UserObjectPermission

from safeguard.access import access_for, get_or_404
from safeguard.notifications import link_target
from safeguard.roles import Perm, RoleKey, Scope, roles_with
from schools.models import School, User

from .models import (
    ACTION_LIST_ORDER,
    INBOX_ORDER,
    MINE_ORDER,
    PROMPT_ORDER,
    Action,
    Addendum,
    Attachment,
    Concern,
    ConcernPupil,
    ConcernStatus,
    InvolvementCategory,
    ReassessmentPrompt,
    ReassessmentPromptConcern,
)
from .retention import NARRATIVE


def _named_restricted_ids(actor: Any) -> list[uuid.UUID]:
    ct = ContentType.objects.get_for_model(Concern)
    rows = UserObjectPermission.objects.filter(
        user_id=actor.pk, content_type=ct, permission__codename="view_restricted_concern"
    ).values_list("object_pk", flat=True)
    return [uuid.UUID(pk) for pk in rows]


def cp_visible_q(actor: Any) -> Q:
    """Submitted concerns the actor may read as CP records."""
    access = access_for(actor)
    readable = access.schools_with(Perm.READ_CP_RECORDS)
    all_restricted = access.schools_with(Perm.VIEW_ALL_RESTRICTED)
    visible_restricted = Q(school_id__in=all_restricted)
    named = _named_restricted_ids(actor) if readable else []
    if named:
        visible_restricted |= Q(pk__in=named)
    return (
        Q(school_id__in=readable)
        & ~Q(status=ConcernStatus.DRAFT)
        & (Q(restricted=False) | visible_restricted)
    )


def hidden_concern_exists(*, actor: Any, ref: str = "concern_id", school_id: Any = None) -> Exists:
    """Whether the row's concern (`ref`, a field of the outer query holding a concern's id) is
    a restricted one the actor may not see: its entries, referrals, risk assessments and
    anything else that came from it stay hidden too. Written as `EXISTS`, so a list excludes
    them with `~hidden_concern_exists(...)` (an anti-join on the concern's primary key), never
    as `NOT IN (every hidden concern in the trust)`, which PostgreSQL can only answer by reading
    them all first. A row with no concern is never hidden.

    `school_id`, for a list of one school's rows, says so: only that school's restricted
    concerns are looked for, and PostgreSQL may read them once (their partial index) rather
    than look up each row's concern, however many restricted concerns the trust has."""
    concerns = Concern.objects.filter(pk=OuterRef(ref), restricted=True)
    if school_id is not None:
        concerns = concerns.filter(school_id=school_id)
    return Exists(concerns.exclude(cp_visible_q(actor)))


# The pages of one concern a notification may link to (the concern, its DSL record).
CONCERN_PAGES = frozenset({"concern-detail", "dsl-record"})


def withheld_concern_links(actor: Any, links: list[str]) -> set[str]:
    """Of these notification links, those to a concern restricted since that `actor` may no
    longer read (neither named on it nor its author): for the notification centre to say so
    rather than show the same 404 as a missing record. One query for the lot."""
    by_concern: dict[str, list[str]] = {}
    for link in links:
        target = link_target(link)
        if target and target[0] in CONCERN_PAGES and "pk" in target[1]:
            by_concern.setdefault(str(target[1]["pk"]), []).append(link)
    if not by_concern:
        return set()
    hidden = (
        Concern.objects.filter(
            pk__in=list(by_concern),
            restricted=True,
            school_id__in=access_for(actor).school_ids(),
        )
        .exclude(cp_visible_q(actor))
        .exclude(author_id=actor.pk)
        .values_list("pk", flat=True)
    )
    return {link for pk in hidden for link in by_concern[str(pk)]}


def concern_narrative(prefix: str = "") -> list[str]:
    """A concern's narrative fields (its words, as retention blanks them), for a list that shows
    none of them to leave unread: `.defer(*concern_narrative("concern__"))` on a list of
    referrals, say, fetches each concern's reference and times, not its account."""
    return [prefix + name for name in NARRATIVE[Concern]]


def concern_pupils_prefetch() -> Prefetch:
    """A concern's pupils involved, each with their categories in the order they were given."""
    return Prefetch(
        "involvements",
        queryset=ConcernPupil.objects.select_related("pupil").prefetch_related(
            Prefetch(
                "involvementcategory_set",
                queryset=InvolvementCategory.objects.select_related("category__parent").order_by(
                    "pk"
                ),
            )
        ),
    )


@dataclass(frozen=True)
class ConcernView:
    """A concern and how much of it the actor may see."""

    concern: Concern
    full: bool  # the CP record: Part 2, actions, restriction
    manage: bool  # triage and decide
    is_author: bool
    # What was added later that the actor may read: every addendum for a reader of the CP
    # record; for the reporter, their own (what the DSL adds is part of their confidential record).
    addenda: list[Addendum]


def concern_view_for(*, actor: Any, pk: Any) -> ConcernView:
    """A submitted concern the actor wrote or may read; else the same 404 for every reason."""
    access = access_for(actor)
    own = Q(author_id=actor.pk, school_id__in=access.school_ids())
    concern = get_or_404(
        Concern.objects.select_related("school", "author")
        .prefetch_related(concern_pupils_prefetch(), "body_marks", "attachments", "addenda")
        .filter(cp_visible_q(actor) | own)
        .exclude(status=ConcernStatus.DRAFT),
        pk=pk,
    )
    full = Concern.objects.filter(cp_visible_q(actor), pk=concern.pk).exists()
    addenda = list(concern.addenda.all())
    return ConcernView(
        concern=concern,
        full=full,
        manage=full and access.has(Perm.MANAGE_CP_RECORDS, concern.school_id),
        is_author=concern.author_id == actor.pk,
        addenda=addenda if full else [a for a in addenda if a.author_id == actor.pk],
    )


def draft_get_for(*, actor: Any, pk: Any) -> Concern:
    """One of the actor's own drafts (drafts are visible only to their author)."""
    return get_or_404(
        Concern.objects.select_related("school").prefetch_related(
            concern_pupils_prefetch(), "body_marks", "attachments"
        ),
        pk=pk,
        author_id=actor.pk,
        status=ConcernStatus.DRAFT,
        school_id__in=access_for(actor).schools_with(Perm.LOG_CONCERN),
    )


# My concerns' status filter: the open ones (drafts, received, actioned), the closed ones, or
# every one (the open ones first, by `MINE_ORDER`).
MINE_STATUSES = {
    "open": [ConcernStatus.DRAFT, ConcernStatus.RECEIVED, ConcernStatus.ACTIONED],
    "closed": [ConcernStatus.CLOSED],
}


def concern_list_mine(*, actor: Any, school: School, status: str = "") -> QuerySet[Concern]:
    """The actor's own concerns in the school: drafts first, then the open ones, then the closed
    ones, each newest first (`MINE_ORDER`, the order of its index, concern_mine_open_first);
    `status` "open" or "closed" keeps only those (a range of the same index)."""
    concerns = Concern.objects.filter(author_id=actor.pk, school=school)
    if status in MINE_STATUSES:
        concerns = concerns.filter(status__in=MINE_STATUSES[status])
    return concerns.prefetch_related(concern_pupils_prefetch()).order_by(*MINE_ORDER)


def concern_for_alert(*, actor: Any, school: School, alert_id: str) -> Concern | None:
    """The concern a system's alert raised in the school, if it has (the system's own: its
    account is the author); None for an alert it has not sent before."""
    if not alert_id:
        return None
    return Concern.objects.filter(
        author_id=actor.pk, school=school, source_alert_id=alert_id
    ).first()


def inbox_for(
    *,
    actor: Any,
    school: School,
    status: str = "",
    category_id: int | None = None,
    pupil_id: Any = None,
    pupil_ids: list[Any] | None = None,
    reporter_id: Any = None,
) -> QuerySet[Concern]:
    """The triage inbox: unopened first, immediate danger on top, then newest.

    Every filter is an `EXISTS` on the concern's own rows, not a join, so each concern comes
    once without `DISTINCT` (which made PostgreSQL sort every column of every concern in the
    school, twice: once for the page and once for its count), and the open actions are counted
    for the page's rows only."""
    concerns = Concern.objects.filter(cp_visible_q(actor), school=school)
    if status == "new":
        concerns = concerns.filter(opened_at__isnull=True)
    elif status in ConcernStatus.values:
        concerns = concerns.filter(status=status)
    if category_id:
        # The school's rows only: unscoped, PostgreSQL read the category rows of every school of
        # the trust to count a school's concerns in one (500 ms at the benchmark trust's size).
        concerns = concerns.filter(
            Exists(
                InvolvementCategory.objects.filter(
                    Q(category_id=category_id) | Q(category__parent_id=category_id),
                    involvement__concern_id=OuterRef("pk"),
                    school_id=school.pk,
                )
            )
        )
    if pupil_id:
        concerns = concerns.filter(
            Exists(ConcernPupil.objects.filter(concern_id=OuterRef("pk"), pupil_id=pupil_id))
        )
    if pupil_ids is not None:
        concerns = concerns.filter(
            Exists(ConcernPupil.objects.filter(concern_id=OuterRef("pk"), pupil_id__in=pupil_ids))
        )
    if reporter_id:
        concerns = concerns.filter(author_id=reporter_id)
    open_actions = (
        Action.objects.filter(concern_id=OuterRef("pk"), done_at__isnull=True)
        .order_by()
        .values("concern_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        concerns.select_related("author")
        .prefetch_related(concern_pupils_prefetch())
        .annotate(
            open_actions=Coalesce(Subquery(open_actions, output_field=IntegerField()), Value(0))
        )
        .order_by(*INBOX_ORDER)  # the order of its index, concern_inbox_keyset
    )


def reporters_for(*, actor: Any, school: School) -> QuerySet[Any]:
    """The people who wrote concerns the actor can see (for the inbox filter): a probe of the
    index concern_mine_order (author, school, ...) for each person, or, as PostgreSQL chooses at
    the benchmark trust's size (22,000 concerns a school), one pass over the school's, 6 ms."""
    visible = Concern.objects.filter(cp_visible_q(actor), school=school).values("author_id")
    return User.objects.filter(pk__in=visible).order_by("full_name")


def cp_readers_for(*, school: School) -> list[Any]:
    """People other than the DSL who read the school's CP records: who a restriction can name.

    Deputies and the headteacher of the school, and the trust's safeguarding officers.
    """
    return list(
        User.objects.filter(
            Q(
                school_memberships__school=school,
                school_memberships__role__in=[RoleKey.DEPUTY, RoleKey.HEAD],
            )
            | Q(trust_memberships__trust_id=school.trust_id, trust_memberships__role=RoleKey.TSO),
            is_active=True,
        )
        .distinct()
        .order_by("full_name")
    )


def untriaged_count(*, actor: Any, school: School) -> int:
    """How many concerns no DSL has opened yet (the header badge)."""
    if not access_for(actor).has(Perm.MANAGE_CP_RECORDS, school):
        return 0
    return untriaged_for(actor=actor, school=school).count()


def untriaged_for(*, actor: Any, school: School) -> QuerySet[Concern]:
    """The concerns no DSL has opened yet (the caller has checked the actor manages them)."""
    return Concern.objects.filter(cp_visible_q(actor), school=school, opened_at__isnull=True)


def action_visible_q(actor: Any) -> Q:
    """Actions the actor may read: their own and, for who triages, the school's; in either case
    only on a concern they may read, so an action on a restricted concern reaches nobody but the
    DSL and the people named on it, even the person it was given to before the restriction."""
    access = access_for(actor)
    mine = Q(owner_id=actor.pk, school_id__in=access.school_ids())
    managed = Q(school_id__in=access.schools_with(Perm.MANAGE_CP_RECORDS))
    return (mine | managed) & ~Q(hidden_concern_exists(actor=actor))


def action_list_for(*, actor: Any, school: School) -> QuerySet[Action]:
    """The actions the actor owns in the school, open ones first by due date."""
    return (
        Action.objects.filter(action_visible_q(actor), owner_id=actor.pk, school=school)
        .select_related("concern", "created_by", "done_by")
        .defer(*concern_narrative("concern__"))
        .order_by(*ACTION_LIST_ORDER)  # the order of its index, action_owner_list
    )


def action_pupil_ids(*, actions: list[Action]) -> list[Any]:
    """The pupils of the concerns the actions belong to (for the access log), in one query."""
    return list(
        ConcernPupil.objects.filter(concern_id__in={a.concern_id for a in actions})
        .order_by("pupil_id")
        .values_list("pupil_id", flat=True)
        .distinct()
    )


def action_get_for(*, actor: Any, pk: Any) -> Action:
    """An action the actor owns, or one of a concern they manage (on a concern they may read)."""
    return get_or_404(Action.objects.select_related("concern"), action_visible_q(actor), pk=pk)


def restricted_readers_for(*, concern: Concern) -> set[Any]:
    """The ids of the people of the concern's school and trust who may read it though it is
    restricted: whoever reads every restricted record there (the DSL), and the people named on it
    while they still hold a role that reads CP records. For who may be given its actions."""
    school_roles = Q(school_memberships__school_id=concern.school_id)
    trust_roles = Q(trust_memberships__trust_id=concern.school.trust_id)
    named = UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(Concern),
        permission__codename="view_restricted_concern",
        object_pk=str(concern.pk),
    ).values("user_id")
    return set(
        User.objects.filter(
            (school_roles & Q(school_memberships__role__in=roles_with(Perm.VIEW_ALL_RESTRICTED)))
            | (
                Q(pk__in=named)
                & (
                    (
                        school_roles
                        & Q(school_memberships__role__in=roles_with(Perm.READ_CP_RECORDS))
                    )
                    | (
                        trust_roles
                        & Q(
                            trust_memberships__role__in=roles_with(
                                Perm.READ_CP_RECORDS, Scope.TRUST
                            )
                        )
                    )
                )
            ),
            is_active=True,
        ).values_list("pk", flat=True)
    )


def concern_actions_for(*, concern: Concern) -> list[Action]:
    """The concern's actions for its page (the caller has checked the actor reads it), each
    saying whether its owner may still read it (`owner_reads`: not after a restriction that does
    not name them, so the DSL knows to do it or give it to someone else)."""
    actions = list(concern.follow_ups.select_related("owner", "done_by"))
    readers = restricted_readers_for(concern=concern) if concern.restricted else None
    for action in actions:
        action.owner_reads = readers is None or action.owner_id in readers  # type: ignore[attr-defined]
    return actions


def action_owners_for(*, concern: Concern) -> list[Any]:
    """Who may be given an action on the concern: anyone of the school but its governors; on a
    restricted concern, only those of them who may read it."""
    owners = (
        User.objects.filter(school_memberships__school_id=concern.school_id, is_active=True)
        .exclude(school_memberships__role=RoleKey.GOVERNOR)
        .distinct()
        .order_by("full_name")
    )
    if concern.restricted:
        owners = owners.filter(pk__in=restricted_readers_for(concern=concern))
    return list(owners)


def concern_readable_by(*, person: Any, concern: Concern) -> bool:
    """Whether `person` may read the concern as a CP record (restriction included)."""
    return Concern.objects.filter(cp_visible_q(person), pk=concern.pk).exists()


def attachment_get_for(*, actor: Any, pk: Any) -> Attachment:
    """A file of a concern the actor wrote or may read as a CP record."""
    mine = Q(
        concern__author_id=actor.pk, school_id__in=access_for(actor).schools_with(Perm.LOG_CONCERN)
    )
    readable = Concern.objects.filter(cp_visible_q(actor)).values("pk")
    return get_or_404(
        Attachment.objects.select_related("concern"), mine | Q(concern_id__in=readable), pk=pk
    )


# --- Re-assessment prompts (docs/adr/0044) ------------------------------------------------------


def prompt_visible_q(*, actor: Any, school_id: Any = None) -> Any:
    """Prompts the actor may see: every concern that fired it is one they may read. A deputy not
    named on a restricted concern that was counted does not see the prompt (nor its count); the
    DSL, who reads every restricted record, does."""

    hidden = ReassessmentPromptConcern.objects.filter(prompt_id=OuterRef("pk")).filter(
        hidden_concern_exists(actor=actor, school_id=school_id)
    )
    return ~Exists(hidden)


def open_prompts_for(*, actor: Any, school: School) -> QuerySet[Any]:
    """The school's open re-assessment prompts the actor may see, pupils with them."""

    if not access_for(actor).has(Perm.READ_CP_RECORDS, school.pk):
        return ReassessmentPrompt.objects.none()
    return (
        ReassessmentPrompt.objects.filter(school_id=school.pk, review__isnull=True)
        .filter(prompt_visible_q(actor=actor, school_id=school.pk))
        .select_related("pupil")
        .order_by(*PROMPT_ORDER)
    )


def open_prompt_for_pupil(*, actor: Any, pupil: Any) -> Any:
    """The pupil's open prompt, if any and the actor may see it."""

    if not access_for(actor).has(Perm.READ_CP_RECORDS, pupil.school_id):
        return None
    return (
        ReassessmentPrompt.objects.filter(
            school_id=pupil.school_id, pupil_id=pupil.pk, review__isnull=True
        )
        .filter(prompt_visible_q(actor=actor, school_id=pupil.school_id))
        .first()
    )


def prompt_get_for(*, actor: Any, pk: Any) -> Any:
    """An open prompt the actor may review (the DSL or a deputy of its school who may read every
    concern that fired it), else the same 404 as for anything else."""

    schools = access_for(actor).schools_with(Perm.MANAGE_CP_RECORDS)
    return get_or_404(
        ReassessmentPrompt.objects.filter(school_id__in=schools, review__isnull=True)
        .filter(prompt_visible_q(actor=actor))
        .select_related("pupil", "school"),
        pk=pk,
    )


def open_prompt_counts(*, school_ids: list[int]) -> dict[int, int]:
    """Open prompts per school: an aggregate, no child named (the trust dashboard)."""

    rows = (
        ReassessmentPrompt.objects.filter(school_id__in=school_ids, review__isnull=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    return dict(rows)
