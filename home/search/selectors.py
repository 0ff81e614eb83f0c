"""Searching a school's safeguarding records (issue 20, docs/adr/0042).

One search over six kinds of record of the acting school: concerns (Part 1), addenda, DSL
records (Part 2), chronology entries, referrals and risk assessments. Each kind is searched
through its own visibility rules, in the query: the school's CP readers read them, a restricted
concern and everything that came from it only by those who may read it (docs/adr/0032), and never
another school's, whatever the trust.

On PostgreSQL the words are matched with full-text search, config 'english' (stemming: "cars"
finds "car"), the query read by `websearch_to_tsquery` ("quoted phrases", `or`, `-word`), each
kind's words matched through an expression GIN index on exactly the expression below
(`search_document`; the indexes: `<app>/migrations/*_record_search.py`). SQLite (`make run`) has
no text search: there every word must appear in the record's words (`icontains`), unranked.
"""

from __future__ import annotations

import datetime
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from chronology.models import ChronologyEntry, RiskAssessment, RiskAssessmentPupil
from concerns.models import (
    Addendum,
    Concern,
    ConcernPupil,
    DslRecord,
    DslRecordStatus,
    InvolvementCategory,
)
from concerns.selectors import cp_visible_q, hidden_concern_exists
from referrals.models import Referral
from safeguard.access import scope
from safeguard.roles import Perm
from schools.models import School

CONFIG = "english"
# Ranking needs each matching record's words; past this many matches the newest come first
# (a word in most records ranks them all alike anyway), and the page says so.
RANK_AT_MOST = 2_000
PER_PAGE = 20


@dataclass(frozen=True)
class Kind:
    """One kind of record the search reads, and where its parts are."""

    key: str
    label: str
    model: type[models.Model]
    fields: tuple[str, ...]  # its words, in this order (the index's expression)
    when: str  # the date it is listed and filtered by
    author: str  # who wrote it
    concern: str  # the field holding the concern it came from (the concern's own id for one)
    pupil: str | None  # the field holding its one pupil (None: through the concern or a table)
    related: tuple[str, ...] = field(default=())


KINDS: tuple[Kind, ...] = (
    Kind(
        "concern",
        "Concern (Part 1)",
        Concern,
        (
            "location",
            "reason_for_recording",
            "account",
            "professional_opinion",
            "actions_taken",
            "other_information",
        ),
        "written_at",
        "author_id",
        "id",
        None,
    ),
    Kind("addendum", "Addendum", Addendum, ("text",), "signed_at", "author_id", "concern_id", None),
    Kind(
        "dsl_record",
        "DSL record (Part 2)",
        DslRecord,
        (
            "received_from",
            "action_reasons",
            "action_details",
            "level_of_need_reason",
            "parents_informed_reason",
            "outcome",
            "outcome_given_by",
            "information_held_elsewhere",
            "cp_file_reason",
        ),
        "signed_at",
        "signed_by_id",
        "concern_id",
        None,
    ),
    Kind(
        "chronology",
        "Chronology entry",
        ChronologyEntry,
        ("details", "people_involved"),
        "occurred_at",
        "author_id",
        "concern_ref",
        "pupil_id",
    ),
    Kind(
        "referral",
        "Referral",
        Referral,
        ("reason", "parents_reason"),
        "made_at",
        "made_by_id",
        "concern_id",
        "pupil_id",
    ),
    Kind(
        "risk_assessment",
        "Risk assessment",
        RiskAssessment,
        ("title", "risks", "measures", "other_pupils_considered"),
        "created_at",
        "created_by_id",
        "concern_id",
        None,
    ),
)
KIND_BY_KEY = {k.key: k for k in KINDS}


def search_document(kind: Kind) -> SearchVector:
    """The words of a record as its index holds them: `to_tsvector('english', a || ' ' || b …)`.
    The query must use this very expression for PostgreSQL to use the index."""
    return SearchVector(*kind.fields, config=CONFIG)


def _text(kind: Kind) -> Any:
    """The record's words as one text (for the highlighted snippet)."""
    parts: list[Any] = []
    for name in kind.fields:
        if parts:
            parts.append(Value(" "))
        parts.append(Coalesce(F(name), Value(""), output_field=models.TextField()))
    return Concat(*parts, output_field=models.TextField()) if len(parts) > 1 else parts[0]


@dataclass(frozen=True)
class Filters:
    words: str
    pupil_ids: list[Any] | None = None  # None: any pupil; []: a name that matched nobody
    category_id: int | None = None
    author_id: int | None = None
    since: datetime.date | None = None
    until: datetime.date | None = None


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _query(words: str) -> SearchQuery:
    return SearchQuery(words, config=CONFIG, search_type="websearch")


def _visible(kind: Kind, *, actor: Any, school: School) -> QuerySet[Any]:
    """The kind's records of the school the actor may read (docs/adr/0032)."""
    if kind.model is Concern:
        return Concern.objects.filter(cp_visible_q(actor), school=school)
    rows = scope(kind.model._default_manager.all(), actor=actor, perm=Perm.READ_CP_RECORDS).filter(
        school=school
    )
    if kind.model is DslRecord:
        rows = rows.filter(status=DslRecordStatus.SIGNED)
    return rows.filter(~hidden_concern_exists(actor=actor, ref=kind.concern, school_id=school.pk))


def _concern_pupil_in(ref: str, pupil_ids: list[Any]) -> Exists:
    return Exists(ConcernPupil.objects.filter(concern_id=OuterRef(ref), pupil_id__in=pupil_ids))


def _filtered(kind: Kind, rows: QuerySet[Any], filters: Filters, school: School) -> QuerySet[Any]:
    if filters.pupil_ids is not None:
        if kind.pupil:
            rows = rows.filter(**{f"{kind.pupil}__in": filters.pupil_ids})
        elif kind.model is RiskAssessment:
            rows = rows.filter(
                Exists(
                    RiskAssessmentPupil.objects.filter(
                        assessment_id=OuterRef("pk"), pupil_id__in=filters.pupil_ids
                    )
                )
            )
        else:
            rows = rows.filter(_concern_pupil_in(kind.concern, filters.pupil_ids))
    if filters.category_id is not None:
        given = InvolvementCategory.objects.filter(
            Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id),
            school=school,
            involvement__concern_id=OuterRef(kind.concern),
        )
        rows = rows.filter(Exists(given))
    if filters.author_id is not None:
        rows = rows.filter(**{kind.author: filters.author_id})
    zone = timezone.get_current_timezone()
    if filters.since is not None:
        start = datetime.datetime.combine(filters.since, datetime.time(), tzinfo=zone)
        rows = rows.filter(**{f"{kind.when}__gte": start})
    if filters.until is not None:
        end = datetime.datetime.combine(
            filters.until + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
        )
        rows = rows.filter(**{f"{kind.when}__lt": end})
    return rows


def _words(words: str) -> list[str]:
    """SQLite: the words alone, without websearch's operators (quotes, a leading minus, or)."""
    plain = [w.strip('"').lstrip("-") for w in words.split()]
    return [w for w in plain if w and w.lower() != "or"][:8]


def _matching(kind: Kind, *, actor: Any, school: School, filters: Filters, ranked: bool) -> Any:
    """(id, kind, when, rank) of the kind's records matching the words and the filters."""
    rows = _filtered(kind, _visible(kind, actor=actor, school=school), filters, school)
    if _postgres():
        query = _query(filters.words)
        rows = rows.annotate(search_document=search_document(kind)).filter(search_document=query)
        rank: Any = (
            SearchRank(F("search_document"), query)
            if ranked
            else Value(0.0, output_field=models.FloatField())
        )
    else:
        for word in _words(filters.words):
            match = Q()
            for name in kind.fields:
                match |= Q(**{f"{name}__icontains": word})
            rows = rows.filter(match)
        rank = Value(0.0, output_field=models.FloatField())
    return (
        rows.order_by()
        .annotate(
            hit_id=F("pk"),
            hit_kind=Value(kind.key, output_field=models.CharField()),
            hit_when=F(kind.when),
            hit_rank=rank,
        )
        .values("hit_id", "hit_kind", "hit_when", "hit_rank")
    )


def _union(*, actor: Any, school: School, filters: Filters, ranked: bool) -> Any:
    parts = [
        _matching(k, actor=actor, school=school, filters=filters, ranked=ranked) for k in KINDS
    ]
    return parts[0].union(*parts[1:], all=True)


@dataclass
class Hit:
    kind: Kind
    pk: Any
    when: datetime.datetime | None
    record: Any = None
    snippet: SafeString = mark_safe("")
    pupils: list[Any] = field(default_factory=list)
    concern_id: Any = None
    url: str = ""

    @property
    def title(self) -> str:
        """What names the record besides its kind: a concern's or a referral's reference, a
        risk assessment's title."""
        record = self.record
        if self.kind.key == "concern":
            return str(record.reference)
        if self.kind.key == "referral":
            return str(record.agency_name)
        if self.kind.key == "risk_assessment":
            return str(record.title)
        return ""

    @property
    def label(self) -> str:
        return self.kind.label


@dataclass
class Results:
    count: int
    ranked: bool
    hits: list[Hit]


def search_count(*, actor: Any, school: School, filters: Filters) -> int:
    return int(_union(actor=actor, school=school, filters=filters, ranked=False).count())


def search_page(
    *, actor: Any, school: School, filters: Filters, count: int, offset: int, limit: int = PER_PAGE
) -> Results:
    """One page of results, best first (newest first past `RANK_AT_MOST` matches), each with its
    record, its pupils and a snippet with the words found marked."""
    ranked = _postgres() and count <= RANK_AT_MOST
    rows = _union(actor=actor, school=school, filters=filters, ranked=ranked).order_by(
        "-hit_rank", F("hit_when").desc(nulls_last=True), "hit_id"
    )[offset : offset + limit]
    hits = [Hit(KIND_BY_KEY[r["hit_kind"]], r["hit_id"], r["hit_when"]) for r in rows]
    _fill(hits, filters.words)
    return Results(count=count, ranked=ranked, hits=hits)


def _fill(hits: list[Hit], words: str) -> None:
    """Each hit's record (one query a kind), snippet and pupils (one query for the concerns')."""
    nonce = secrets.token_hex(8)
    start, stop = f"hs{nonce}x", f"he{nonce}x"
    by_kind: dict[str, list[Hit]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind.key, []).append(hit)
    for key, kind_hits in by_kind.items():
        kind = KIND_BY_KEY[key]
        rows = kind.model._default_manager.filter(pk__in=[h.pk for h in kind_hits])
        if kind.pupil:
            rows = rows.select_related("pupil")
        if _postgres():
            rows = rows.annotate(
                snippet=SearchHeadline(
                    _text(kind),
                    _query(words),
                    config=CONFIG,
                    start_sel=start,
                    stop_sel=stop,
                    max_words=30,
                    min_words=12,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
            )
        found = {r.pk: r for r in rows}
        for hit in kind_hits:
            record = found.get(hit.pk)
            hit.record = record
            if record is None:
                continue
            if _postgres():
                hit.snippet = marked(str(getattr(record, "snippet", "") or ""), start, stop)
            else:
                text = " ".join(str(getattr(record, f) or "") for f in kind.fields)
                hit.snippet = _excerpt(text, _words(words))
            hit.concern_id = getattr(record, kind.concern)
            if kind.pupil:
                hit.pupils = [getattr(record, "pupil")]  # noqa: B009
    _pupils(hits)


def _pupils(hits: list[Hit]) -> None:
    """The pupils of the hits that name theirs through a concern or a risk assessment's list."""
    concern_ids = {
        h.concern_id for h in hits if not h.kind.pupil and h.kind.key != "risk_assessment"
    }
    concern_ids.discard(None)
    assessment_ids = [h.pk for h in hits if h.kind.key == "risk_assessment"]
    of_concern: dict[Any, list[Any]] = {}
    if concern_ids:
        for cp in (
            ConcernPupil.objects.filter(concern_id__in=concern_ids)
            .select_related("pupil")
            .order_by("created_at", "pk")
        ):
            of_concern.setdefault(cp.concern_id, []).append(cp.pupil)
    of_assessment: dict[Any, list[Any]] = {}
    if assessment_ids:
        for rp in RiskAssessmentPupil.objects.filter(
            assessment_id__in=assessment_ids
        ).select_related("pupil"):
            of_assessment.setdefault(rp.assessment_id, []).append(rp.pupil)
    for hit in hits:
        if hit.kind.key == "risk_assessment":
            hit.pupils = of_assessment.get(hit.pk, [])
        elif not hit.kind.pupil:
            hit.pupils = of_concern.get(hit.concern_id, [])


def marked(headline: str, start: str, stop: str) -> SafeString:
    """The snippet as HTML: every character of the record's text escaped, and only the markers
    PostgreSQL put round the words found (a random token no record can hold) made `<mark>`."""
    html = str(escape(headline.replace("\x00", "")))
    if html.count(start) != html.count(stop):  # cannot happen; never risk an unclosed element
        return escape(headline.replace(start, "").replace(stop, ""))
    html = html.replace(start, "<mark>").replace(stop, "</mark>")
    return mark_safe(html)  # noqa: S308  (escaped above; only our own <mark> added)


def _excerpt(text: str, words: Iterable[str], width: int = 200) -> SafeString:
    """SQLite: the text round the first word found, escaped, each word found marked."""
    words = [w for w in words if w]
    lower = text.lower()
    at = min((i for i in (lower.find(w.lower()) for w in words) if i >= 0), default=0)
    begin = max(0, at - width // 3)
    piece = text[begin : begin + width]
    html = str(escape(piece))
    if words:  # one pass, so a word never matches inside a mark added for another
        pattern = "|".join(re.escape(str(escape(w))) for w in words)
        html = re.sub(f"({pattern})", r"<mark>\1</mark>", html, flags=re.IGNORECASE)
    prefix = "… " if begin else ""
    suffix = " …" if begin + width < len(text) else ""
    return mark_safe(prefix + html + suffix)  # noqa: S308  (escaped above; only <mark> added)
