"""Schools' signing keys (docs/adr/0012): every exported PDF and bundle is signed by its school.

- `keys`: keys kept encrypted at rest, certificates, signing, and checking signatures.
- `selectors`, `forms`, `views`, `urls`: the school's signing certificate pages.
"""
