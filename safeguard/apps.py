from django.apps import AppConfig


class SafeguardConfig(AppConfig):
    name = "safeguard"
    verbose_name = "Safeguard kernel"

    def ready(self) -> None:
        from . import checks, middleware  # noqa: F401  (register the system check, sign-in stamp)
