from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reparo.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from reparo.core import converters  # noqa: F401 - registers the <id:...> path converter
