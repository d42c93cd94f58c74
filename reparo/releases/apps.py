from django.apps import AppConfig


class ReleasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reparo.releases"
    label = "releases"
    verbose_name = "Public figures"

    def ready(self) -> None:
        from reparo.core.triggers import expect_triggers

        expect_triggers(
            app="releases",
            table="releases_release",
            what="published releases never change",
            postgresql=["releases_release_immutable"],
            sqlite=["releases_release_no_update", "releases_release_no_delete"],
        )
