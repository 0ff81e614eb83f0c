from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"

    def ready(self) -> None:
        from safeguard.triggers import register

        from . import signin_limits  # noqa: F401  (its signal receivers count failed sign-ins)
        from .accounts import services  # noqa: F401  (its receiver lists each new session)
        from .guards import GUARDS

        register(GUARDS)
