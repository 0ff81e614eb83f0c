from django.apps import AppConfig


class ConcernsConfig(AppConfig):
    name = "concerns"

    def ready(self) -> None:
        from chronology.ledger.sources import register_source_check
        from safeguard.notifications import register_withheld_check
        from safeguard.triggers import register

        from . import checks, verification  # noqa: F401  (checks: registers concerns.E010)
        from .guards import COLUMNS, GUARDS
        from .missing import verification as missing
        from .uploads import pillow_limits

        register(GUARDS, COLUMNS)
        from .selectors import withheld_concern_links

        register_withheld_check("concerns", withheld_concern_links)
        pillow_limits()
        for label, check in {
            "concerns.Concern": verification.concerns_rehash,
            "concerns.Addendum": verification.addenda_rehash,
            "concerns.DslRecord": verification.dsl_records_rehash,
            "concerns.Action": verification.actions_rehash,
            "concerns.MissingEpisode": missing.missing_episodes_rehash,
            "concerns.MissingEpisodeStep": missing.missing_steps_rehash,
            "concerns.ContinuousAbsence": missing.absences_rehash,
            "concerns.ReassessmentReview": verification.reassessment_reviews_rehash,
        }.items():
            register_source_check(label, check)
