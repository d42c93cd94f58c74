from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "reparo.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.cases import home

        home.register()  # its sections of the home page
        from reparo.core.triggers import expect_triggers

        expect_triggers(
            app="cases",
            table="cases_case",
            what="case tally",
            postgresql=["cases_case_tally"],
            sqlite=[f"cases_case_tally_{event}" for event in ("insert", "delete", "update")],
        )
