"""Exporting a child-protection file (docs/adr/0013, 0014): what goes out when a pupil leaves.

- `gather`: the records a file holds, read once and scoped by the acting user.
- `pdf`: the file as a PDF (WeasyPrint); `bundle`: the open, signed zip and its importer's checks.
- `files`: what both the PDF and the bundle need: where a received file sits, its page count.
"""
