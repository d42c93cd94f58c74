from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reparo.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # The <id:...> path converter, and the start-up check of the database's triggers, register themselves.
        from reparo.core import converters, triggers  # noqa: F401
