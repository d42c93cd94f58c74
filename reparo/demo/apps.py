from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (development only). The top of the app graph: it seeds through every app."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.demo"
    label = "demo"
    verbose_name = "Demo"
