from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "oversight"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import GUARDS

        register(GUARDS)
