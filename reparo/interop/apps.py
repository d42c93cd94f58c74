from django.apps import AppConfig


class InteropConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.interop"
    label = "interop"
    verbose_name = "Data exchange (HTCDS)"

    def ready(self) -> None:
        from reparo.cases.signals import intake_draft_opened, person_erased
        from reparo.interop import background, services

        background.register_kinds()
        intake_draft_opened.connect(services.on_intake_draft_opened, dispatch_uid="interop.field_submission_opened")
        person_erased.connect(services.on_person_erased, dispatch_uid="interop.field_submission_erased")
