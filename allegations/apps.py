from django.apps import AppConfig


class AllegationsConfig(AppConfig):
    name = "allegations"
