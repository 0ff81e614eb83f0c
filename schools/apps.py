from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import GUARDS

        register(GUARDS)
