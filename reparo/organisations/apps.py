from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "reparo.organisations"
    label = "organisations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.organisations import home

        home.register()  # the organisation admin's sections of the home page
