"""Referrals and their updates re-hashed from their current rows, many at once, for the chain
ledger's check (registered in `ReferralsConfig.ready()`; docs/adr/0030), with the content
functions that signed them (`content.py`)."""

from __future__ import annotations

from collections.abc import Sequence

from chronology.ledger.sources import Answer, Cited, Context, answer, cited_ids
from safeguard.signing import content_hash

from .content import referral_content, referral_update_content
from .models import Referral, ReferralUpdate


def referrals_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """Referrals as made."""
    referrals = Referral.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited))
    return answer(cited, {r.pk: {content_hash(referral_content(r))} for r in referrals})


def referral_updates_rehash(cited: Sequence[Cited], context: Context) -> Answer:
    """Updates to referrals: the written follow-up, a response, an escalation."""
    updates = ReferralUpdate.objects.filter(school_id=context.school_id, pk__in=cited_ids(cited))
    return answer(cited, {u.pk: {content_hash(referral_update_content(u))} for u in updates})
