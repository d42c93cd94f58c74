from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "reparo.safety"
    label = "safety"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the safety conditions of the joint-meeting gate.
        from reparo.cases.extensions import case_timeline_entries
        from reparo.processes.signals import participant_withdrew
        from reparo.safety import (
            gate,  # noqa: F401
            home,
            selectors,
        )
        from reparo.safety.services import on_participant_withdrew

        home.register()  # its sections of the home page
        case_timeline_entries("safety", selectors.case_timeline_entries)
        participant_withdrew.connect(on_participant_withdrew, dispatch_uid="safety.notice_on_withdrawal")
