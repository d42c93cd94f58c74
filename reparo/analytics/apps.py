from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.analytics"
    label = "analytics"
    verbose_name = "Analytics"

    def ready(self) -> None:
        from reparo.analytics.synthetic import EvidenceSeed
        from reparo.cases.synthetic import synthetic_extension

        synthetic_extension("evidence", EvidenceSeed())
