from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "reparo.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.cases import home

        home.register()  # its sections of the home page
