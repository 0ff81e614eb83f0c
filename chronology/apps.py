from django.apps import AppConfig


class ChronologyConfig(AppConfig):
    name = "chronology"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import COLUMNS, GUARDS
        from .ledger import checks  # noqa: F401  (registers the ledger's system check)

        register(GUARDS, COLUMNS)
