from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "reparo.support"
    label = "support"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.analytics.extensions import case_people, dashboard_figures, person_facts, watched_tables
        from reparo.cases.synthetic import synthetic_extension
        from reparo.evaluation.extensions import survey_occasions
        from reparo.support import outcomes, services
        from reparo.support.synthetic import SupportSeed

        survey_occasions("support_circles", services.survey_occasions)
        dashboard_figures("support_circles", outcomes.figures)
        person_facts("support_circles", outcomes.facts)
        case_people("support_circles", outcomes.survivors_of_cases)
        synthetic_extension("support", SupportSeed())
        watched_tables("support_circles", ("support_supportcircle", "support_goal"))
