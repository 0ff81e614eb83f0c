"""Security keys and passkeys through django-otp-webauthn, tied to the address people use."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django_otp_webauthn.helpers import WebAuthnHelper


class SafeguardWebAuthnHelper(WebAuthnHelper):
    """The relying party is the host the person reached (Django has checked it against
    ALLOWED_HOSTS), and the only origin accepted is that host's own: a key made on a look-alike
    site is refused. So `make run` on localhost, the tests' live server and a school's real
    address each work without a setting."""

    def get_relying_party_domain(self) -> str:
        return urlsplit(f"//{self.request.get_host()}").hostname or ""

    def get_allowed_origins(self) -> list[str]:
        scheme = "https" if self.request.is_secure() else "http"
        return [f"{scheme}://{self.request.get_host()}"]

    def get_credential_name(self, user: Any) -> str:
        return str(user.email)

    def get_credential_display_name(self, user: Any) -> str:
        return f"{user.full_name} ({user.email})" if user.full_name else str(user.email)
