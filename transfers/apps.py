from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "transfers"

    def ready(self) -> None:
        from chronology.ledger.hooks import register_retention
        from chronology.ledger.sources import register_source_check

        from .retention import checks  # noqa: F401  (registers transfers.E001)
        from .retention.guards import register_all
        from .retention.ledger import provider
        from .verification import (
            incoming_transfers_rehash,
            received_entries_rehash,
            transfers_rehash,
        )

        register_all()
        register_retention(provider)
        register_source_check("transfers.Transfer", transfers_rehash)
        register_source_check("transfers.IncomingTransfer", incoming_transfers_rehash)
        register_source_check("transfers.ReceivedEntry", received_entries_rehash)
