"""A browser's name in words a person recognises, from its User-Agent header."""

from __future__ import annotations

# Checked in order: Edge and Opera say "Chrome" too, Chrome says "Safari", so they come first.
_BROWSERS = [("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Safari/", "Safari")]  # fmt: skip
_SYSTEMS = [("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Windows", "Windows"), ("Mac OS X", "Mac"), ("CrOS", "Chromebook"),
            ("Linux", "Linux")]  # fmt: skip


def browser_name(user_agent: str) -> str:
    """For example "Chrome on Windows"; "A browser" when it does not say."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "A browser")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), "")
    return f"{browser} on {system}" if system else browser
