"""Reading elements of a CTF by their local names, so any namespace (or none) reads the same."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

# The longest text kept from one element: a name or a code, not a document.
LONGEST_TEXT = 200


def local_name(tag: Any) -> str:
    """An element's name without its namespace (a comment's tag is not a string)."""
    tag = tag if isinstance(tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def child(element: Element | None, name: str) -> Element | None:
    """The first child named `name`, or None."""
    if element is None:
        return None
    for each in element:
        if local_name(each.tag) == name:
            return each
    return None


def children(element: Element | None, name: str) -> list[Element]:
    """Every child named `name`."""
    if element is None:
        return []
    return [each for each in element if local_name(each.tag) == name]


def text(element: Element | None, *path: str) -> str | None:
    """The text at a path of local names under `element`, its spaces made single; None when the
    element is absent."""
    for name in path:
        element = child(element, name)
    if element is None:
        return None
    return " ".join((element.text or "").split())[:LONGEST_TEXT]
