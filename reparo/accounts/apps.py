from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reparo.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.accounts import signals  # noqa: F401
