from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundingConfig(AppConfig):
    name = "reparo.funding"
    verbose_name = _("Funding")

    def ready(self) -> None:
        from reparo.funding import background

        background.register_kinds()
