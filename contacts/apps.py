from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        from safeguard.triggers import register

        from .guards import GUARDS

        register(GUARDS)
