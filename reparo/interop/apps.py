from django.apps import AppConfig


class InteropConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.interop"
    label = "interop"
    verbose_name = "Data exchange (HTCDS)"

    def ready(self) -> None:
        from reparo.interop import background

        background.register_kinds()
