from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API for other systems (issue 17, docs/adr/0035): the MIS keeping the roll, web
    filtering and monitoring raising alerts, a trust's figures for its own reports. At the top
    of the layers: it calls the same selectors and services as the pages."""

    name = "api"
    verbose_name = "API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the Bearer secret with drf-spectacular)
