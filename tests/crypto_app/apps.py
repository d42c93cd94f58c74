from django.apps import AppConfig


class CryptoAppConfig(AppConfig):
    """A test-only app with one model per encrypted field type (installed by reparo/test_settings.py)."""

    name = "tests.crypto_app"
    label = "crypto_app"
    default_auto_field = "django.db.models.BigAutoField"
