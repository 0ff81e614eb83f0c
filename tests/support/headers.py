"""The security headers every response carries (issue 16, docs/adr/0029), written out here
rather than read from settings, so a change to the policy is a change to a test too."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

CONTENT_SECURITY_POLICY = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "connect-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

PERMISSIONS_POLICY = {
    **{
        feature: "()"
        for feature in (
            "accelerometer",
            "autoplay",
            "browsing-topics",
            "camera",
            "clipboard-read",
            "clipboard-write",
            "display-capture",
            "encrypted-media",
            "fullscreen",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    },
    "publickey-credentials-create": "(self)",
    "publickey-credentials-get": "(self)",
}

# An uploaded or exported file is served with a stricter policy of its own (nothing loaded, the
# document sandboxed: concerns/views.py, transfers/views.py), which the middleware leaves alone.
DOWNLOAD_POLICY = {"default-src": ["'none'"], "sandbox": []}
ATTACHMENT_POLICY = {**DOWNLOAD_POLICY, "img-src": ["'self'"]}  # a photo shown in the browser

# An inline <script> that is code: neither loaded from a file (src) nor data (json_script).
_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S
)


def csp_directives(response: Any) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: sources}, in any order."""
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.status_code} {response}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in directives, f"{name} twice in {header}"
        directives[name] = sources
    return directives


def permissions_policy(response: Any) -> dict[str, str]:
    """The response's Permissions-Policy as {feature: allowlist}."""
    header = response.get("Permissions-Policy")
    assert header, f"no Permissions-Policy on {response.status_code} {response}"
    return dict(item.strip().split("=", 1) for item in header.split(","))


def inline_script_hashes(body: str) -> set[str]:
    """The CSP source (`'sha256-…'`) of every inline script in a page, as a browser hashes it."""
    return {
        f"'sha256-{base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()}'"
        for code in _INLINE_SCRIPT.findall(body)
    }


def assert_security_headers(
    response: Any,
    *,
    policy: dict[str, list[str]] = CONTENT_SECURITY_POLICY,
    script_hashes: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Both policies, exactly; `script_hashes` are inline scripts the page may also run."""
    expected = {**policy}
    if script_hashes:
        expected["script-src"] = [*expected["script-src"], *script_hashes]
    directives = {name: sorted(sources) for name, sources in csp_directives(response).items()}
    assert directives == {name: sorted(sources) for name, sources in expected.items()}, (
        response.status_code,
        response.get("Content-Security-Policy"),
    )
    assert permissions_policy(response) == PERMISSIONS_POLICY, response.get("Permissions-Policy")
