from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "reparo.processes"
    label = "processes"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.cases.extensions import case_page_form, case_timeline_entries
        from reparo.cases.signals import case_ended
        from reparo.consent.extensions import consent_process_choices
        from reparo.processes import home, selectors, services
        from reparo.processes.forms import ProcessOpenForm

        case_ended.connect(services.on_case_ended, dispatch_uid="processes.end_with_case")
        case_page_form("process_form", ProcessOpenForm)
        home.register()  # its sections of the home page
        consent_process_choices("processes", selectors.consent_choices_for)
        case_timeline_entries("processes", selectors.case_timeline_entries)
