from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "concerns"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import COLUMNS, GUARDS
        from .uploads import pillow_limits

        register(GUARDS, COLUMNS)
        pillow_limits()
