"""A client's secret, sent as `Authorization: Bearer <secret>` (RFC 6750), checked by knox
against its hash; a revoked client's, or an expired secret, is refused."""

from __future__ import annotations

from typing import Any

from knox.auth import TokenAuthentication
from rest_framework import exceptions

from .models import ApiClient


class ClientTokenAuthentication(TokenAuthentication):
    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, token = super().validate_user(auth_token)
        try:
            client = ApiClient.objects.select_related("school", "trust").get(user=user)
        except ApiClient.DoesNotExist:  # a knox token of a person: the API is for systems
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if client.revoked_at is not None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        user.api_client_cached = client
        return user, token

    def authenticate_header(self, request: Any) -> str:
        return "Bearer"


def client_of(request: Any) -> ApiClient | None:
    """The client a request was authenticated as (None before, or for no client)."""
    return getattr(getattr(request, "user", None), "api_client_cached", None)
