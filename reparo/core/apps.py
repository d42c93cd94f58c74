from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "reparo.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # The <id:...> path converter, and the start-up check of the database's triggers, register themselves.
        from reparo.core import converters, translations, triggers  # noqa: F401

        translations.install()  # each message's translation kept once looked up (decision 0095)
