"""The platform admin lists no API secret, not even its hash (docs/adr/0025, 0035): knox
registers its tokens there, and they are taken out again here."""

from __future__ import annotations

from django.contrib import admin
from knox.models import AuthToken

if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)
