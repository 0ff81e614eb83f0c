from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo trust and the benchmark trust: everything that seeds, above every other app."""

    name = "demo"
