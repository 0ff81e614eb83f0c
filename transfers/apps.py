from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"

    def ready(self) -> None:
        from .guards import register_all

        register_all()
