from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def _drop_guards(using: str = "default", **kwargs: Any) -> None:
    from .triggers import drop_all

    connection = connections[using]
    if connection.vendor == "sqlite":
        drop_all(connection)


def _install_guards(using: str = "default", **kwargs: Any) -> None:
    from .triggers import install_all

    install_all(connections[using])


class SafeguardConfig(AppConfig):
    name = "safeguard"
    verbose_name = "Safeguard kernel"

    def ready(self) -> None:
        from . import checks, middleware  # noqa: F401  (register the system check, sign-in stamp)

        pre_migrate.connect(_drop_guards, sender=self, dispatch_uid="safeguard-drop-guards")
        post_migrate.connect(_install_guards, sender=self, dispatch_uid="safeguard-install-guards")
