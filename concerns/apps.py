from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "concerns"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import COLUMNS, GUARDS

        register(GUARDS, COLUMNS)
