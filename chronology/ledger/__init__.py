"""The chain ledger: the append-only hash chain every writer (concerns, referrals, missing children,
transfers, retention) appends to. The lowest domain layer: it imports only the kernel (`safeguard`),
`schools` and its own tables (`chronology.models.ledger`); what it must ask retention, it asks
through `hooks`.

- `content`: what an entry's hash covers (`SIGNED_FIELDS`, `entry_content`), `SignedEvent`,
  `on_day`.
- `services`: `chronology_append`, `chronology_record_signed_event`, `chain_lock`, the nightly
  check and its email (`chains_verify_and_report`).
- `verification`: `verify_chain` (every entry, and every signed record it cites, re-hashed) and
  `chain_head_compare` (ADR 0030).
- `sources`: the checks that re-hash each kind of signed record, registered by the apps that sign
  them in their `ready()`.
- `heads`: chain heads as published outside the database (the nightly email, JSON).
- `hooks`: the retention provider (registered by `transfers` in its `ready()`).
"""
