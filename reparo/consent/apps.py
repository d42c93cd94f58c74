from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "reparo.consent"
    label = "consent"
    default_auto_field = "django.db.models.BigAutoField"
