"""Notification kinds are named by `NotificationKind` (safeguard/notifications.py), never by a
string: `notify` takes only a member, so mypy refuses a mistyped kind, and this test finds the
strings mypy cannot see (a filter on `Notification.kind`, a comparison, a constant)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from safeguard.notifications import NotificationKind
from tests.support.source import StringsFor, product_modules

KIND_STRINGS = StringsFor(
    "kind",
    frozenset(str(k) for k in NotificationKind),
    positional=lambda name: name.startswith(("notify", "Notification")),
)


def _kind_literals(tree: ast.AST) -> Iterator[int]:
    """Lines passing a notification kind as a string: `kind="reminder"` (to `notify`, a
    `Notification`, a filter), `kind__in=[...]`, `n.kind == "qa_review"`, `LEAVER_KIND =
    "pupil_left"`, `link, kind = ..., "allegation_named"`, `notify_all("reminder")`. (A
    chronology entry's kind of the same word, "concern_submitted", is named by `EntryKind`.)"""
    return KIND_STRINGS.lines(tree)


def test_no_module_names_a_notification_kind_by_a_string() -> None:
    found = [
        f"{path}:{line}"
        for path, tree in product_modules(skip=("safeguard/notifications.py",))
        for line in sorted(set(_kind_literals(tree)))
    ]
    assert not found, f"notification kinds written as strings (use NotificationKind): {found}"


def test_the_kind_finder_finds_what_it_is_for() -> None:
    source = (
        'notify(school=s, kind="reminder")\n'
        'Notification.objects.filter(kind__in=["qa_review"])\n'
        'if n.kind == "pupil_left": pass\n'
        'LEAVER_KIND = "pupil_left"\n'
        'link, kind = "/", "allegation_named"\n'
        'notify_all("reminder")\n'
        'rows.filter(notification__kind="reminder")\n'
        "notify(school=s, kind=NotificationKind.REMINDER)\n"
        'signed = {"kind": "qa_review"}\n'
        'rows.filter(original_kind="missing_child")\n'
        'notify(school=s, kind="not_a_kind")\n'
        'title = "reminder"\n'
    )
    assert sorted(set(_kind_literals(ast.parse(source)))) == [1, 2, 3, 4, 5, 6, 7]
