"""Calls per client, not per address: a trust's MIS connector and its monitoring system behind
one address each get their own allowance (`API_CALLS_PER_MINUTE`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .authentication import client_of


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api-client"

    def get_rate(self) -> str:
        return f"{settings.API_CALLS_PER_MINUTE}/min"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        client = client_of(request)
        if client is None:
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": client.pk}
