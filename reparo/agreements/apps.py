from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "reparo.agreements"
    label = "agreements"
    default_auto_field = "django.db.models.BigAutoField"
