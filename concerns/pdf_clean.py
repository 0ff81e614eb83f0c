"""Cleaning an uploaded PDF (ADR 0031): opened with qpdf (pikepdf), and anything that can run or
carry something else taken out before it is stored and later opened by a DSL.

Removed: JavaScript (the document's /JavaScript name tree and every JavaScript action), embedded
files (the /EmbeddedFiles name tree, files inside file specifications, file-attachment
annotations), actions that run by themselves (/OpenAction when it is more than "show this page",
every /AA "additional action"), actions that reach outside the file (launch a program, open or
submit to another file or form, import data), multimedia that can carry its own scripts, links to
anything but web and email addresses, and XFA forms. A PDF with none of these is stored byte for
byte as uploaded (so a signature in it still verifies); one that cannot be opened is refused.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pikepdf
from django.core.exceptions import ValidationError

# Action types (/S) taken out, by what the person is told was removed.
_SCRIPT = "JavaScript"
_OUTSIDE = "actions that open programs or other files, or send the form somewhere"
_MEDIA = "multimedia that can run its own scripts"
_LINK = "links to addresses that are not web pages or email"
_AUTOMATIC = "actions that run when the file is opened or read"
_EMBEDDED = "embedded files"
_XFA = "an XFA form"
_ACTIONS = {
    "/JavaScript": _SCRIPT,
    "/Launch": _OUTSIDE,
    "/GoToR": _OUTSIDE,
    "/GoToE": _OUTSIDE,
    "/SubmitForm": _OUTSIDE,
    "/ImportData": _OUTSIDE,
    "/Rendition": _MEDIA,
    "/Movie": _MEDIA,
    "/Sound": _MEDIA,
    "/RichMediaExecute": _MEDIA,
    "/GoTo3DView": _MEDIA,
}
_ANNOTATIONS = {
    "/FileAttachment": _EMBEDDED,
    "/RichMedia": _MEDIA,
    "/Screen": _MEDIA,
    "/Movie": _MEDIA,
    "/Sound": _MEDIA,
    "/3D": _MEDIA,
}
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_ORDER = (_SCRIPT, _EMBEDDED, _AUTOMATIC, _OUTSIDE, _MEDIA, _LINK, _XFA)


@dataclass(frozen=True)
class CleanPdf:
    content: bytes
    removed: tuple[str, ...]  # what was taken out, in words, each once


def pdf_clean(data: bytes) -> CleanPdf:
    """The PDF without scripts, embedded files or actions that reach outside it; refused when
    qpdf cannot open it (damaged beyond repair, or locked with a password)."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise ValidationError(
            "The selected PDF is protected with a password, so it cannot be checked. Save a copy "
            "without the password and upload that",
            code="locked",
        ) from exc
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise ValidationError(
            "The selected PDF is damaged and cannot be opened, so it cannot be checked",
            code="damaged",
        ) from exc
    with pdf:
        found = _Found()
        _clean_catalogue(pdf.Root, found)
        _walk(pdf.trailer, found)
        if not found:
            return CleanPdf(data, ())
        out = io.BytesIO()
        pdf.save(out)  # writes only what is still reachable: what was cut off goes
    return CleanPdf(out.getvalue(), found.said())


class _Found:
    """What was taken out, each thing once however many places pointed at it."""

    def __init__(self) -> None:
        self.things: dict[str, set[Any]] = {}
        self.direct = itertools.count()

    def note(self, what: str, thing: Any) -> None:
        # An indirect object is one thing wherever it is cited; a direct one is where it stands.
        key = thing.objgen if getattr(thing, "is_indirect", False) else next(self.direct)
        self.things.setdefault(what, set()).add(key)

    def files(self, spec: Any) -> None:
        """The files a file specification carries (its /EF streams), as embedded files."""
        carried = spec.get("/EF") if isinstance(spec, pikepdf.Dictionary) else None
        if isinstance(carried, pikepdf.Dictionary):
            for key in list(carried.keys()):
                self.note(_EMBEDDED, carried[key])

    def __bool__(self) -> bool:
        return bool(self.things)

    def said(self) -> tuple[str, ...]:
        return tuple(f"{what} ({len(self.things[what])})" for what in _ORDER if what in self.things)


def _clean_catalogue(root: Any, found: _Found) -> None:
    """The document-level places: the name trees of scripts and files, and XFA."""
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            for action in _name_tree_values(names["/JavaScript"]):
                found.note(_SCRIPT, action)
            del names["/JavaScript"]
        if "/EmbeddedFiles" in names:
            for spec in _name_tree_values(names["/EmbeddedFiles"]):
                found.files(spec)
            del names["/EmbeddedFiles"]
    form = root.get("/AcroForm")
    if isinstance(form, pikepdf.Dictionary) and "/XFA" in form:
        found.note(_XFA, form["/XFA"])
        del form["/XFA"]
    opening = root.get("/OpenAction")
    # An array, or a GoTo action, only says which page to show first; anything else runs by itself
    # when the file is opened (a web address too: it tells a tracker the file was read).
    if isinstance(opening, pikepdf.Dictionary) and opening.get("/S") != "/GoTo":
        if not _unsafe(opening, found):
            found.note(_AUTOMATIC, opening)
        del root["/OpenAction"]


def _name_tree_values(tree: Any) -> Iterator[Any]:
    """The values of a name tree (bounded: a hostile tree may loop or go on for ever)."""
    stack, seen = [tree], set[tuple[int, int]]()
    while stack and len(seen) < 10_000:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        pairs = node.get("/Names")
        if isinstance(pairs, pikepdf.Array):
            yield from list(pairs)[1::2]
        kids = node.get("/Kids")
        if isinstance(kids, pikepdf.Array):
            stack.extend(kids)


def _walk(start: Any, found: _Found) -> None:
    """Every dictionary reachable from the trailer, each indirect object once (no recursion: a
    hostile file may nest as deep as it likes)."""
    stack, seen = [start], set[tuple[int, int]]()
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Stream):
            node = node.stream_dict
        if not isinstance(node, pikepdf.Dictionary | pikepdf.Array):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if isinstance(node, pikepdf.Dictionary):
            _clean_dictionary(node, found)
            stack.extend(node[key] for key in list(node.keys()))
        else:
            stack.extend(node)


def _clean_dictionary(node: Any, found: _Found) -> None:
    if "/AA" in node:  # actions on events: opening a page, focusing a field, closing the file
        found.note(_AUTOMATIC, node["/AA"])
        del node["/AA"]
    if "/EF" in node:  # a file specification that carries the file itself
        found.files(node)
        del node["/EF"]
    if "/AF" in node:  # "associated files" (PDF 2.0): file specifications again
        associated = node["/AF"]
        for spec in associated if isinstance(associated, pikepdf.Array) else [associated]:
            found.files(spec)
        del node["/AF"]
    for key in ("/A", "/Next"):
        value = node.get(key)
        if isinstance(value, pikepdf.Dictionary) and _unsafe(value, found):
            del node[key]
        elif isinstance(value, pikepdf.Array):
            kept = [
                a for a in value if not (isinstance(a, pikepdf.Dictionary) and _unsafe(a, found))
            ]
            if len(kept) != len(value):
                node[key] = pikepdf.Array(kept)
    annotations = node.get("/Annots")
    if isinstance(annotations, pikepdf.Array):
        kept = [a for a in annotations if not _unsafe_annotation(a, found)]
        if len(kept) != len(annotations):
            node["/Annots"] = pikepdf.Array(kept)


def _unsafe(action: Any, found: _Found) -> bool:
    """Whether an action is taken out (noting what it was)."""
    kind = str(action.get("/S", ""))
    if kind in _ACTIONS:
        found.note(_ACTIONS[kind], action)
        return True
    if kind == "/URI":
        target = str(action.get("/URI", "")).strip().lower()
        if not target.startswith(_SAFE_SCHEMES):
            found.note(_LINK, action)
            return True
    return False


def _unsafe_annotation(annotation: Any, found: _Found) -> bool:
    if not isinstance(annotation, pikepdf.Dictionary):
        return False
    what = _ANNOTATIONS.get(str(annotation.get("/Subtype", "")))
    if what is None:
        return False
    if what == _EMBEDDED and isinstance(annotation.get("/FS"), pikepdf.Dictionary):
        found.files(annotation["/FS"])
    else:
        found.note(what, annotation)
    return True
