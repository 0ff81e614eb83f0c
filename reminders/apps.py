from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"

    def ready(self) -> None:
        from safeguard.metrics import register_scrape_collector

        from .metrics import ReminderBacklog

        register_scrape_collector(ReminderBacklog())
