"""The address a request came from: the person's, not the proxy's (issue 16)."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """`REMOTE_ADDR`, or, behind TRUSTED_PROXY_COUNT proxies that each append the address they
    were reached from to X-Forwarded-For, the address the first of them saw: the entry that many
    places from the right. Entries further left were written by the client and prove nothing,
    so they are never read; a header shorter than the proxies, or not an address, gives the
    proxy's own address rather than a guess."""
    remote = _valid(request.META.get("REMOTE_ADDR") or "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        p for p in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if p.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _valid(forwarded[-proxies]) or remote


def axes_client_ip(request: HttpRequest) -> str:
    """django-axes asks through AXES_CLIENT_IP_CALLABLE."""
    return client_ip(request) or ""
