from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"

    def ready(self) -> None:
        from chronology.ledger.hooks import register_retention

        from .retention import checks  # noqa: F401  (registers transfers.E001)
        from .retention.guards import register_all
        from .retention.ledger import provider

        register_all()
        register_retention(provider)
