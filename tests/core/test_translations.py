"""The catalogues (Spanish, French, Arabic): complete for the current sources, well formed, and used when chosen;
Arabic is laid out right to left."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import trans_real

from reparo.core.i18n_compile import compile_all
from tests.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
# Every language but English has a catalogue, with the plural rule gettext knows for it.
PLURAL_FORMS = {
    "es": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "ar": (
        "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 "
        ": 5;"
    ),
}
CATALOGUES = tuple(code for code, _name in settings.LANGUAGES if code != "en")


def po_relative(code: str) -> Path:
    return Path("locale", code, "LC_MESSAGES", "django.po")


# What `make messages` scans: everything but these (the same ignores as the Makefile).
SOURCES = ("reparo", "templates", "locale", "manage.py")
IGNORES = (".venv/*", "tests/*", "bench/*")
# printf-style placeholders: %(name)s, %s, %d, %.2f ... ("%%" is a literal percent sign, not a placeholder).
PLACEHOLDER_RE = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")


@pytest.fixture(autouse=True, scope="module")
def compiled_catalogues() -> Iterator[None]:
    """Compile the .po files (the .mo files are not committed) and drop catalogues Django already loaded."""
    compile_all()
    trans_real._translations = {}
    trans_real._default = None
    yield
    trans_real._translations = {}
    trans_real._default = None


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER_RE.findall(text) if p != "%%")


def describe(entries: list[polib.POEntry]) -> str:
    return "\n".join(f"  {entry.msgid!r}" for entry in entries)


def test_it_has_a_catalogue_with_a_plural_rule_for_every_language() -> None:
    assert set(CATALOGUES) == set(PLURAL_FORMS), "a language in settings.LANGUAGES with no catalogue, or the reverse"
    for code in CATALOGUES:
        assert (ROOT / po_relative(code)).exists(), f"no catalogue for {code}"


def test_it_has_complete_catalogues_for_the_current_sources(tmp_path: Path) -> None:
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext (xgettext) is not installed; .ci/run installs it")
    copy = tmp_path / "reparo-copy"
    copy.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=skip)
        else:
            shutil.copy2(source, copy / name)
    committed = {code: hashlib.sha256((ROOT / po_relative(code)).read_bytes()).hexdigest() for code in CATALOGUES}

    command = [sys.executable, "manage.py", "makemessages"]
    for code in CATALOGUES:
        command += ["--locale", code]
    for pattern in IGNORES:
        command += ["--ignore", pattern]
    env = {**os.environ, "REPARO_ENV": "development", "DJANGO_SETTINGS_MODULE": "reparo.settings"}
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    for code in CATALOGUES:
        now = hashlib.sha256((ROOT / po_relative(code)).read_bytes()).hexdigest()
        assert now == committed[code], "makemessages wrote to the working tree"

    problems = []
    for code in CATALOGUES:
        merged = polib.pofile(str(copy / po_relative(code)))
        untranslated = merged.untranslated_entries()
        fuzzy = merged.fuzzy_entries()
        if untranslated or fuzzy:
            problems.append(
                f"{po_relative(code)} is out of date with the sources; run `make messages` and translate:\n"
                f"untranslated ({len(untranslated)}):\n{describe(untranslated[:50])}\n"
                f"fuzzy ({len(fuzzy)}):\n{describe(fuzzy[:50])}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("code", CATALOGUES)
def test_it_has_a_well_formed_committed_catalogue(code: str) -> None:
    po = polib.pofile(str(ROOT / po_relative(code)))
    assert po.metadata.get("Language") == code
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms") == PLURAL_FORMS[code]
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"
    forms = int(PLURAL_FORMS[code].split(";")[0].split("=")[1])

    entries = [entry for entry in po if not entry.obsolete]
    assert entries, f"the {code} catalogue is empty"
    fuzzy = [entry for entry in entries if entry.fuzzy]
    assert not fuzzy, f"fuzzy entries:\n{describe(fuzzy)}"

    empty = []
    mismatched = []
    for entry in entries:
        if entry.msgid_plural:
            translations = [entry.msgstr_plural.get(i, "") for i in range(forms)]
            # A plural form may follow either English form: Arabic's "one" reads like the singular, its others like
            # the plural (and its "zero" and "one" forms may leave the number out, as English "one" does not).
            allowed = [{*placeholders(entry.msgid)}, {*placeholders(entry.msgid_plural)}]
        else:
            translations = [entry.msgstr]
            allowed = [{*placeholders(entry.msgid)}]
        if not all(t.strip() for t in translations):
            empty.append(entry)
            continue
        for translation in translations:
            found = {*placeholders(translation)}
            if entry.msgid_plural:
                ok = any(found <= names and names - found <= COUNTERS for names in allowed)
            else:
                ok = found == allowed[0]
            if not ok:
                mismatched.append(f"  {entry.msgid!r} has {sorted(allowed[-1])}, {translation!r} has {sorted(found)}")
    assert not empty, f"entries with an empty translation:\n{describe(empty)}"
    assert not mismatched, f"placeholders differ between English and {code}:\n" + "\n".join(mismatched)


# The count a plural form is chosen by: a translation may leave it out (Arabic says "one day", "two days" in a word).
COUNTERS = {
    "%(count)s",
    "%(counter)s",
    "%(n)s",
    "%(days)s",
    "%(hours)s",
    "%(months)s",
    "%d",
    "%s",
    "%(num)s",
    "%(number)s",
    "%(n)d",
    "%(count)d",
    "%(counter)d",
}


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_it_renders_the_sign_in_page_in_spanish(client, db, how: str) -> None:
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = client.get("/sign-in/")
    else:
        response = client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert "Salir de esta página" in html
    assert "o pulse Mayús 3 veces" in html
    assert "Iniciar sesión" in html
    assert "Exit this page" not in html


def test_it_renders_the_sign_in_page_in_english_by_default(client, db) -> None:
    html = client.get("/sign-in/").content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert "Exit this page" in html


def test_it_renders_spanish_navigation_for_a_signed_in_user(client, world) -> None:
    assert settings.LANGUAGE_COOKIE_NAME == "reparo_language"
    client.cookies["reparo_language"] = "es"
    sign_in(client, world["org_admin"])
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es" dir="ltr">' in html
    for label in ("Inicio", "Organizaciones", "Registro de actividad", "Su cuenta", "Cerrar sesión"):
        assert label in html, f"{label!r} missing from the Spanish navigation"
    assert "Administrador/a de la organización" in html
    assert "Activity log" not in html


def test_it_switches_to_spanish_with_the_language_switcher(client, db) -> None:
    assert '<html lang="en" dir="ltr">' in client.get("/sign-in/").content.decode()

    response = client.post_form("/i18n/set-language/", {"language": "es", "next": "/sign-in/"})
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"

    html = client.get("/sign-in/").content.decode()
    assert '<html lang="es" dir="ltr">' in html
    assert "Salir de esta página" in html

    client.post_form("/i18n/set-language/", {"language": "en", "next": "/sign-in/"})
    assert '<html lang="en" dir="ltr">' in client.get("/sign-in/").content.decode()


@pytest.mark.parametrize(
    ("code", "exit_label", "direction"),
    [("fr", "Quitter cette page", "ltr"), ("ar", "الخروج من هذه الصفحة", "rtl")],
)
def test_it_renders_the_sign_in_page_in_french_and_arabic(
    client, db, code: str, exit_label: str, direction: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = code
    html = client.get("/sign-in/").content.decode()
    assert f'<html lang="{code}" dir="{direction}">' in html
    assert exit_label in html
    assert "Exit this page" not in html


def test_it_lists_each_language_in_its_own_name(client, db) -> None:
    html = client.get("/sign-in/").content.decode()
    for own_name in ("English", "español", "français", "العربيّة"):
        assert own_name in html, f"{own_name!r} missing from the language switcher"


# --- each message's translation kept once looked up (reparo.core.translations) -------------------------------------


def _fresh(language: str) -> trans_real.DjangoTranslation:
    return trans_real.DjangoTranslation(language)


def test_it_answers_as_gettext_does_for_messages_found_and_not_found():
    from gettext import GNUTranslations

    for language in ("en", "es", "fr", "ar"):
        translation = _fresh(language)
        for message in ("Cases", "Save", "Quick exit", "Not a message anywhere 31337", "Afghanistan"):
            expected = GNUTranslations.gettext(translation, message)
            assert translation.gettext(message) == expected  # looked up
            assert translation.gettext(message) == expected  # kept
    assert _fresh("es").gettext("Cases") != "Cases"  # a catalogue that holds it answers in its language


def test_it_keeps_no_answer_while_django_countries_switches_fallbacks_off():
    import django_countries
    from django.utils.translation import override as translation_override
    from django_countries import no_translation_fallback

    assert getattr(django_countries.no_translation_fallback, "_reparo_counted", False)  # what django-countries calls
    translation = trans_real.translation("en")
    missing = "A message no catalogue holds 4242"
    assert translation.gettext(missing) == missing
    with translation_override("en"), no_translation_fallback():
        assert translation.gettext(missing) == ""  # not the kept answer
        assert translation.gettext("Another message no catalogue holds 4243") == ""
    assert translation.gettext("Another message no catalogue holds 4243") == "Another message no catalogue holds 4243"


def test_it_keeps_a_bounded_number_of_answers(monkeypatch):
    from reparo.core import translations

    monkeypatch.setattr(translations, "MAX_KEPT", 10)
    translation = _fresh("fr")
    answers = [translation.gettext(f"message {i}") for i in range(50)]
    assert answers == [f"message {i}" for i in range(50)]
    assert len(translation.__dict__["_reparo_kept"]) == 10
