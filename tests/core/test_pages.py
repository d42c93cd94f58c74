"""Every page: quick exit, a discreet title, no caching, a strict CSP, nothing inline."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.conftest import CsrfClient, make_user, page_title, sign_in

pytestmark = pytest.mark.django_db

SENSITIVE_WORDS = [
    "traffick", "victim", "survivor", "offender", "abuse", "exploit", "rape", "sexual", "violence",
    "perpetrator", "trata", "víctima", "sobreviviente", "agresor", "abuso", "explotación",
]  # fmt: skip


def parameterless_paths():
    paths = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and "<" not in str(p.pattern):
                paths.append("/" + prefix + str(p.pattern))

    walk(get_resolver().url_patterns)
    return sorted(set(paths))


def html_pages(world):
    admin = sign_in(CsrfClient(), world["org_admin"])
    anonymous = CsrfClient()
    newcomer_client = CsrfClient()
    newcomer = make_user("pages-newcomer@alice.example", enrolled=False)
    newcomer_client.post_form("/sign-in/", {"username": newcomer.email, "password": "correct horse battery staple 42"})
    pages = []
    for path in parameterless_paths():
        for who, client in (("admin", admin), ("anonymous", anonymous)):
            response = client.get(path)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                pages.append((who, path, response))
    pages.append(("admin", "organisation", admin.get(f"/organisations/{world.alice_org.pk}/")))
    from tests.cases.factories import alice_case

    case = alice_case(world, survivor_name=("Titania", "Pagetitle"))
    survivor = case.participants.get(role="survivor").person
    for path in (
        f"/cases/{case.pk}/",
        f"/cases/{case.pk}/edit/",
        f"/cases/{case.pk}/responsible-side/",
        f"/people/{survivor.pk}/",
        f"/people/{survivor.pk}/identity/",
        f"/people/{survivor.pk}/edit/",
        f"/consent/people/{survivor.pk}/",
    ):
        pages.append(("admin", path, admin.get(path)))
    pages.append(("newcomer", "/two-factor/set-up/", newcomer_client.get("/two-factor/set-up/")))
    from tests.portal.conftest import activate, as_participant

    participant = as_participant(activate(world, case, survivor))
    for path in parameterless_paths():
        if path.startswith("/my/"):
            response = participant.get(path)
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                pages.append(("participant", path, response))
    pages.append(("admin", "404", admin.get("/organisations/999999/")))
    return pages


def test_it_checks_a_good_number_of_pages(world):
    reached = {(who, path) for who, path, _r in html_pages(world)}
    expected_pages = [
        ("anonymous", "/sign-in/"), ("admin", "/"), ("admin", "/activity/"), ("admin", "/account/"),
        ("anonymous", "/my/sign-in/"), ("participant", "/my/"), ("participant", "/my/choices/"),
    ]  # fmt: skip
    for expected in expected_pages:
        assert expected in reached


def test_it_puts_the_quick_exit_control_on_every_page(world):
    for who, path, response in html_pages(world):
        html = response.content.decode()
        assert "data-quick-exit" in html and 'action="/exit/"' in html, (who, path)
        assert "Exit this page" in html, (who, path)
        assert "/static/js/quick-exit.js" in html, (who, path)


def test_it_keeps_page_titles_free_of_names_and_sensitive_words(world):
    names = [u.email for u in world.users.values()] + [u.full_name for u in world.users.values()]
    names += [world.alice_org.name, "Titania", "Pagetitle"]
    for who, path, response in html_pages(world):
        title = page_title(response.content.decode())
        # The participants' portal goes by its neutral name ("Appointments"), never "Reparo".
        assert title.endswith("· Appointments" if path.startswith("/my/") else "· Reparo"), (who, path, title)
        for word in SENSITIVE_WORDS + names:
            assert word.lower() not in title.lower(), (who, path, title)


def test_it_never_lets_a_page_be_cached_or_framed(world):
    for who, path, response in html_pages(world):
        assert "no-store" in response["Cache-Control"], (who, path)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"


def test_it_sends_a_nonce_based_csp_and_has_nothing_inline(world):
    for who, path, response in html_pages(world):
        csp = response["Content-Security-Policy"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert "frame-ancestors 'none'" in csp
        nonce = re.search(r"'nonce-([^']+)'", csp)
        assert nonce, (who, path, csp)
        html = response.content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert f'nonce="{nonce.group(1)}"' in tag and "src=" in tag, (who, path, tag)
        assert not re.search(r"<style\b", html), (who, path)
        assert not re.search(r"\sstyle=", html), (who, path)
        assert not re.search(r"\son[a-z]+=", html), (who, path)


def test_it_gives_every_form_field_a_label_and_a_skip_link(world):
    for who, path, response in html_pages(world):
        html = response.content.decode()
        assert 'class="skip-link" href="#main"' in html and 'id="main"' in html, (who, path)
        for field_id in re.findall(
            r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', html
        ):
            assert f'for="{field_id}"' in html, (who, path, field_id)


def test_it_answers_health_checks_with_database_status(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_it_signs_out_and_leaves_on_quick_exit(world, settings):
    settings.QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"
    client = sign_in(CsrfClient(), world["coordinator"])
    response = client.post("/exit/", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 303
    assert response["Location"] == "https://www.bbc.co.uk/weather"
    assert client.get("/").status_code == 302


def test_it_ignores_a_cross_site_quick_exit(world):
    client = sign_in(CsrfClient(), world["coordinator"])
    client.post("/exit/", HTTP_SEC_FETCH_SITE="cross-site")
    assert client.get("/").status_code == 200


PORTAL_PUBLIC = ("/my/sign-in/", "/my/sign-out/", "/my/start/", "/my/manifest.webmanifest")
# The API answers tokens, never sessions (401 as problem details); its schema and reference hold no data and are
# public by design (docs/api.md): none of them sends a browser to sign in.
API = ("/api/",)


def test_it_sends_strangers_to_sign_in_for_every_page(client, db):
    for path in parameterless_paths():
        if path in ("/sign-in/", "/sign-out/", "/healthz", "/exit/", "/i18n/set-language/") or path.startswith(
            ("/password-reset/", *PORTAL_PUBLIC, *API)
        ):
            continue
        response = client.get(path)
        # The portal's pages send strangers to the portal's own sign-in.
        sign_in_path = "/my/sign-in/" if path.startswith("/my/") else "/sign-in/"
        assert response.status_code == 302 and response["Location"].startswith(sign_in_path), path


def test_it_reaches_every_checked_page(world):
    for who, path, response in html_pages(world):
        assert response.status_code == (404 if path == "404" else 200), (who, path, response.status_code)
