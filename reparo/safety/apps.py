from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "reparo.safety"
    label = "safety"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the safety conditions of the joint-meeting gate.
        from reparo.safety import gate, home  # noqa: F401

        home.register()  # its sections of the home page
