from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import GUARDS

        register(GUARDS)
