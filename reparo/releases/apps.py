from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.releases"
    label = "releases"
    verbose_name = "Public figures"
