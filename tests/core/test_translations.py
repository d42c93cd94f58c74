"""The Spanish catalogue: complete for the current sources, well formed, and used when Spanish is chosen."""

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
PO_RELATIVE = Path("locale", "es", "LC_MESSAGES", "django.po")
PO_PATH = ROOT / PO_RELATIVE
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


def test_it_has_a_complete_spanish_catalogue_for_the_current_sources(tmp_path: Path) -> None:
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
    committed = hashlib.sha256(PO_PATH.read_bytes()).hexdigest()

    command = [sys.executable, "manage.py", "makemessages", "--locale", "es"]
    for pattern in IGNORES:
        command += ["--ignore", pattern]
    env = {**os.environ, "REPARO_ENV": "development", "DJANGO_SETTINGS_MODULE": "reparo.settings"}
    result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}"
    assert hashlib.sha256(PO_PATH.read_bytes()).hexdigest() == committed, "makemessages wrote to the working tree"

    merged = polib.pofile(str(copy / PO_RELATIVE))
    untranslated = merged.untranslated_entries()
    fuzzy = merged.fuzzy_entries()
    assert not untranslated and not fuzzy, (
        f"{PO_RELATIVE} is out of date with the sources; run `make messages` and translate:\n"
        f"untranslated ({len(untranslated)}):\n{describe(untranslated)}\n"
        f"fuzzy ({len(fuzzy)}):\n{describe(fuzzy)}"
    )


def test_it_has_a_well_formed_committed_spanish_catalogue() -> None:
    po = polib.pofile(str(PO_PATH))
    assert po.metadata.get("Language") == "es"
    assert "charset=UTF-8" in po.metadata.get("Content-Type", "")
    assert po.metadata.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert not po.metadata_is_fuzzy, "the header is marked fuzzy"

    entries = [entry for entry in po if not entry.obsolete]
    assert entries, "the Spanish catalogue is empty"
    fuzzy = [entry for entry in entries if entry.fuzzy]
    assert not fuzzy, f"fuzzy entries:\n{describe(fuzzy)}"

    empty = []
    mismatched = []
    for entry in entries:
        if entry.msgid_plural:
            translations = [entry.msgstr_plural.get(i, "") for i in range(2)]
            sources = [entry.msgid, entry.msgid_plural]
        else:
            translations = [entry.msgstr]
            sources = [entry.msgid]
        if not all(t.strip() for t in translations):
            empty.append(entry)
            continue
        for source, translation in zip(sources, translations, strict=True):
            expected, found = placeholders(source), placeholders(translation)
            if expected != found:
                mismatched.append(f"  {source!r} has {expected}, {translation!r} has {found}")
    assert not empty, f"entries with an empty translation:\n{describe(empty)}"
    assert not mismatched, "placeholders differ between English and Spanish:\n" + "\n".join(mismatched)


@pytest.mark.parametrize("how", ["accept-language", "cookie"])
def test_it_renders_the_sign_in_page_in_spanish(client, db, how: str) -> None:
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
        response = client.get("/sign-in/")
    else:
        response = client.get("/sign-in/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Salir de esta página" in html
    assert "o pulse Mayús 3 veces" in html
    assert "Iniciar sesión" in html
    assert "Exit this page" not in html


def test_it_renders_the_sign_in_page_in_english_by_default(client, db) -> None:
    html = client.get("/sign-in/").content.decode()
    assert '<html lang="en">' in html
    assert "Exit this page" in html


def test_it_renders_spanish_navigation_for_a_signed_in_user(client, world) -> None:
    assert settings.LANGUAGE_COOKIE_NAME == "reparo_language"
    client.cookies["reparo_language"] = "es"
    sign_in(client, world["org_admin"])
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="es">' in html
    for label in ("Inicio", "Organizaciones", "Registro de actividad", "Su cuenta", "Cerrar sesión"):
        assert label in html, f"{label!r} missing from the Spanish navigation"
    assert "Administrador/a de la organización" in html
    assert "Activity log" not in html


def test_it_switches_to_spanish_with_the_language_switcher(client, db) -> None:
    assert '<html lang="en">' in client.get("/sign-in/").content.decode()

    response = client.post_form("/i18n/set-language/", {"language": "es", "next": "/sign-in/"})
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"

    html = client.get("/sign-in/").content.decode()
    assert '<html lang="es">' in html
    assert "Salir de esta página" in html

    client.post_form("/i18n/set-language/", {"language": "en", "next": "/sign-in/"})
    assert '<html lang="en">' in client.get("/sign-in/").content.decode()
