"""Schools' signing keys (docs/adr/0012): every exported PDF and bundle is signed by its school.

- `keys`: keys kept encrypted at rest, certificates, and signing (PAdES and detached CMS).
- `verify`: checking a signature, in words a DSL can act on.
- `selectors`, `forms`, `views`, `urls`: the school's signing certificate pages.
"""
