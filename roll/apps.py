from django.apps import AppConfig


class RollConfig(AppConfig):
    """The pupil roll kept by hand and imported from the MIS (no models of its own: pupils and
    imports are `schools` models). Above the records: a leaver's safeguarding records decide
    who is told, and a joiner's CTF contacts become family contacts (docs/adr/0027)."""

    name = "roll"
