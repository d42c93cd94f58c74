"""The languages people can be recorded as speaking read in the reader's language: every name is one Django's
catalogues translate (none left in English, as "Norwegian Bokmal" was)."""

from django.conf import global_settings
from django.utils import translation

from reparo.core.languages import language_choices


def test_it_names_norwegian_bokmal_in_spanish():
    with translation.override("es"):
        names = {code: str(name) for code, name in language_choices()}
    assert names["nb"] == "Bokmål noruego"


def test_every_name_is_one_the_catalogues_translate():
    translated = {name for _code, name in global_settings.LANGUAGES}
    untranslatable = [(code, str(name)) for code, name in language_choices() if str(name) not in translated]
    # Only codes Django's LANGUAGES lacks altogether may fall back to LANG_INFO's name.
    known = {code for code, _name in global_settings.LANGUAGES}
    assert all(code not in known for code, _name in untranslatable), untranslatable
