"""A view names the scope it needs (`required_scope`); a client without it is refused (403)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from .authentication import client_of


class HasScope(BasePermission):
    message = "This client's scopes do not include the one this operation needs."

    def has_permission(self, request: Any, view: Any) -> bool:
        client = client_of(request)
        if client is None:
            return False
        scope = getattr(view, "required_scope", None)
        return scope is None or scope in client.scopes
