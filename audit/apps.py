from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self) -> None:
        from safeguard.triggers import Guard, register

        # Nobody edits or removes the access log.
        register(
            [
                Guard("accesslog_update", "audit_accesslog", "UPDATE", "(1 = 1)"),
                Guard("accesslog_delete", "audit_accesslog", "DELETE", "(1 = 1)"),
            ]
        )
