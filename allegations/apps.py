from django.apps import AppConfig


class AllegationsConfig(AppConfig):
    name = "allegations"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import COLUMNS, GUARDS

        register(GUARDS, COLUMNS)
