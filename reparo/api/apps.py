from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "reparo.api"
    label = "api"
    verbose_name = _("API for partner systems")

    def ready(self) -> None:
        from reparo.api import schema  # noqa: F401 - registers the token scheme with drf-spectacular
