from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "reparo.training"
    verbose_name = _("Training and certification")

    def ready(self) -> None:
        # Registers the joint-meeting gate condition "facilitator certified for this process".
        from reparo.processes import facilitation
        from reparo.training import eligibility, gate, home  # noqa: F401

        # The one eligibility check and the one certification rule (issue 6), for processes to ask.
        facilitation.provide(
            eligibility=eligibility.facilitator_eligibility, certification_problem=eligibility.certification_problem
        )
        home.register()  # its sections of the home page
