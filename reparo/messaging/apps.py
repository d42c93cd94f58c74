from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "reparo.messaging"
    label = "messaging"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.cases.extensions import case_page_panel
        from reparo.cases.signals import person_erased
        from reparo.messaging import home, panels, services
        from reparo.processes.extensions import my_week_panel, process_page_panel

        case_page_panel("messaging", panels.case_panel)
        process_page_panel("relay_queue", panels.process_panel)
        my_week_panel("relay_queue", panels.week_panel)
        home.register()  # its section of the home page
        person_erased.connect(services.on_person_erased, dispatch_uid="messaging.forget_addresses")
