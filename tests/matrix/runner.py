"""How the authorization matrix walks the URL patterns and asks each one: one signed-in client per actor, each request
in a savepoint that is rolled back (so no request changes what the next one sees), the writes it tried recorded, and
its answer sorted into an outcome class."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

from django.contrib.messages import constants as message_levels
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.backends import USER_BACKEND
from tests.conftest import CsrfClient

HTMX = {"HX-Request": "true"}
_CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


@dataclass(frozen=True)
class Pattern:
    name: str  # namespaced: "cases:detail"
    route: str  # "cases/<uuid:pk>/"
    kwargs: tuple[str, ...]  # in the order they appear in the route

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]


def url_patterns() -> list[Pattern]:
    """Every named URL pattern of the project, found by walking the resolver through every include."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[Pattern]:
        for entry in resolver.url_patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                yield from walk(entry, route, inner)
            elif isinstance(entry, URLPattern):
                names = tuple(m.group("name") for m in _CONVERTER.finditer(route))
                yield Pattern(name=f"{namespace}{entry.name or '<unnamed ' + route + '>'}", route=route, kwargs=names)

    return sorted(walk(get_resolver(), "", ""), key=lambda p: p.name)


# --- clients -------------------------------------------------------------------------------------------------------


def client_for(user: Any, *, two_factor: bool) -> CsrfClient:
    """A client signed in as ``user`` (``None``: anonymous), with the second factor or with the password only."""
    client = CsrfClient()
    client.csrf_token()  # the cookie a browser would have from an earlier page
    if user is not None:
        client.force_login(user, backend=USER_BACKEND)
        if two_factor:
            device = TOTPDevice.objects.get(user=user, confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


# --- one request ---------------------------------------------------------------------------------------------------

# Writes that are not a change of anyone's data: the session row (the idle clock).
HARMLESS_TABLES = frozenset({"django_session"})
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Answer:
    outcome: str  # ok, refused, 404, 403, 405, login, 2fa, 500 (or another status code)
    status: int | None
    writes: list[str]  # tables the request wrote to (rolled back), harmless ones left out
    content: bytes
    detail: str = ""  # the exception, for a 500
    seconds: float = 0.0  # processor time the request took


def perform(client: CsrfClient, method: str, path: str, data: dict[str, Any] | None = None) -> Answer:
    """One request, as htmx sends it (POST with a valid CSRF token), in a savepoint rolled back afterwards. The
    client's cookies are put back too, so a request that signs out or changes the language changes nothing."""
    cookies = SimpleCookie()
    cookies.update(client.cookies)
    writes: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql[:1] != "S":  # most statements are SELECTs: no need to look further
            match = _WRITE.match(sql)
            if match and match.group(1) not in HARMLESS_TABLES:
                writes.append(match.group(1))
        return execute(sql, params, many, context)

    response = None
    detail = ""
    started = time.process_time()
    try:
        with connection.execute_wrapper(record), transaction.atomic():
            try:
                if method == "GET":
                    response = client.get(path, headers=HTMX)
                else:
                    payload = {"csrfmiddlewaretoken": client.csrf_token(), **(data or {})}
                    response = client.post(path, payload, headers=HTMX)
            except Exception as exc:  # noqa: BLE001 - a server error is an answer to report, not to stop at
                detail = f"{type(exc).__name__}: {exc}"[:300]
            transaction.set_rollback(True)
    finally:
        client.cookies = cookies
        translation.activate("en")
    seconds = time.process_time() - started
    if response is None:
        return Answer("500", None, writes, b"", detail, seconds)
    outcome = classify(response)
    why = _why(response) if outcome == "refused" else ""
    return Answer(outcome, response.status_code, writes, body_of(response), why, seconds)


def _paths() -> dict[str, str]:
    return {
        reverse("accounts:login"): "login",
        reverse("accounts:two_factor_verify"): "2fa",
        reverse("accounts:two_factor_setup"): "2fa",
        reverse("accounts:reauth"): "reauth",
        reverse("portal:sign_in"): "portal login",
    }


def classify(response: Any) -> str:
    status = response.status_code
    if status >= 500:
        return "500"
    if status in (403, 404, 405):
        return str(status)
    target = response.headers.get("HX-Redirect") or (response.headers.get("Location") if 300 <= status < 400 else "")
    if target:
        where = _paths().get(urlsplit(target).path)
        if where:
            return where
    if status in (400, 409) or _has_error_message(response):
        return "refused"
    if status < 400:
        return "ok"
    return str(status)


def _has_error_message(response: Any) -> bool:
    storage = getattr(getattr(response, "wsgi_request", None), "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(m.level >= message_levels.ERROR for m in queued)


def _why(response: Any) -> str:
    """Why a request was refused, as far as its error messages say."""
    storage = getattr(getattr(response, "wsgi_request", None), "_messages", None)
    return " ".join(str(m) for m in getattr(storage, "_queued_messages", []) if m.level >= message_levels.ERROR)[:200]


def body_of(response: Any) -> bytes:
    """What the response shows: its body (a PDF's text), and where it sends the browser."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.headers.get("Content-Type", "").startswith("application/pdf"):
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError

        try:
            text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
        except (PdfReadError, ValueError):  # a file as uploaded, not one of Reparo's reports: its bytes as they are
            text = ""
        content += text.encode()
    headers = " ".join(response.headers.get(h, "") for h in ("Location", "HX-Redirect", "Content-Disposition"))
    return content + b"\n" + headers.encode()
