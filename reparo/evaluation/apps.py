from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.evaluation"
    verbose_name = "Evaluation"

    def ready(self) -> None:
        from reparo.evaluation import home

        home.register()  # its section of the home page
