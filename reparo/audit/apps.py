from django.apps import AppConfig
from django.db.backends.signals import connection_created


class AuditConfig(AppConfig):
    name = "reparo.audit"
    label = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.audit import db

        connection_created.connect(db.register_sqlite_functions, dispatch_uid="reparo.audit.sqlite_functions")
        db.register_on_open_connections()

        from reparo.core.triggers import expect_triggers

        expect_triggers(
            app="audit",
            table="audit_auditevent",
            what="audit rows are append-only",
            postgresql=["audit_auditevent_append_only"],
            sqlite=["audit_auditevent_no_update", "audit_auditevent_no_delete"],
        )
