from django.apps import AppConfig


class ChronologyConfig(AppConfig):
    name = "chronology"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import COLUMNS, GUARDS

        register(GUARDS, COLUMNS)
