from django.apps import AppConfig


class SafeguardConfig(AppConfig):
    name = "safeguard"
    verbose_name = "Safeguard kernel"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the tenancy system check)
