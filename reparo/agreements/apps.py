from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "reparo.agreements"
    label = "agreements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.agreements import home, selectors
        from reparo.cases.extensions import case_timeline_entries
        from reparo.processes.extensions import process_page_context

        def agreement_panel(process: object) -> dict[str, object]:
            return {
                "agreement": selectors.agreement_in_force(process),  # type: ignore[arg-type]
                "agreement_draft": selectors.agreement_in_preparation(process),  # type: ignore[arg-type]
                "completion": selectors.completion_rate(process),  # type: ignore[arg-type]
            }

        process_page_context("agreement", agreement_panel)
        home.register()  # its section of the home page
        case_timeline_entries("agreements", selectors.case_timeline_entries)
