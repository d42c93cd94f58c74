from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reparo.core"
    label = "core"
    verbose_name = "Core"
