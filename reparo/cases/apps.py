from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "reparo.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"
