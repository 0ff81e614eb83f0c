"""The chain ledger: the append-only hash chain every writer (concerns, referrals, missing children,
transfers, retention) appends to. The lowest domain layer: it imports only the kernel (`safeguard`),
`schools` and its own tables (`chronology.models.ledger`); what it must ask retention, it asks
through `hooks`.

- `content`: what an entry's hash covers (`SIGNED_FIELDS`, `entry_content`), `SignedEvent`,
  `on_day`.
- `services`: `chronology_append`, `chronology_record_signed_event`, `chain_lock`, `verify_chain`.
- `hooks`: the retention provider (registered by `transfers` in its `ready()`).
"""
