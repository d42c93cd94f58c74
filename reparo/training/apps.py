from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "reparo.training"
    verbose_name = _("Training and certification")

    def ready(self) -> None:
        # Registers the joint-meeting gate condition "facilitator certified for this process".
        from reparo.training import gate  # noqa: F401
