from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The pages that put several apps side by side (no models): the top layer, above every app."""

    name = "home"
