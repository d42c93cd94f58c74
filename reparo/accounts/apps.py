from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "reparo.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reparo.accounts import signals  # noqa: F401
        from reparo.accounts.access_cache import WATCHED_TABLES
        from reparo.core.triggers import expect_triggers

        for table in WATCHED_TABLES:
            expect_triggers(
                app="accounts",
                table=table,
                what="access stamp",
                postgresql=[f"{table}_access", f"{table}_access_update"],
                sqlite=[f"{table}_access_{event}" for event in ("insert", "update", "delete")],
            )
