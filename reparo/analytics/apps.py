from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from reparo.analytics import background, home
        from reparo.analytics.synthetic import EvidenceSeed
        from reparo.cases.synthetic import synthetic_extension

        background.register_kinds()
        home.register()  # its section of the home page
        synthetic_extension("evidence", EvidenceSeed())
