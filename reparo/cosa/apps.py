from django.apps import AppConfig


class CosaConfig(AppConfig):
    name = "reparo.cosa"
    label = "cosa"
    default_auto_field = "django.db.models.BigAutoField"
