from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"

    def ready(self) -> None:
        from safeguard.triggers import register

        from . import signin_limits  # noqa: F401  (its signal receivers count failed sign-ins)
        from .guards import GUARDS

        register(GUARDS)
