"""Retention (docs/adr/0016): how long a school keeps a child-protection file, legal holds, and the
scheduled destruction that blanks each record's words while keeping its hash.

- `services`, `selectors`, `forms`, `views`, `urls`: the policy, legal holds, destruction, pages.
- `narrative`: each app's declared narrative fields, collected; `checks`: transfers.E001.
- `guards`: the database guards that let only destruction blank those words.
- `ledger`: the provider the chain ledger asks (`chronology.ledger.hooks`), set in `ready()`.
"""
