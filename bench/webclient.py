"""A small HTTP client for a Reparo server on this machine: a browser's cookies, CSRF and two-factor sign-in.

Used by the load test (bench/loadtest.py) and by the tests that start real server processes
(tests/serving/). Standard library only: one keep-alive connection per client, cookies kept by name (the
production cookies are ``Secure``; the client sends them over plain HTTP on 127.0.0.1 as a TLS-terminating proxy
would pass them on), and ``X-Forwarded-Proto: https`` so that the production settings see HTTPS, as behind the
proxy (gunicorn believes that header from 127.0.0.1 only).
"""

from __future__ import annotations

import http.client
import re
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

CSRF_COOKIE = "reparo_csrf"
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class SignInFailed(RuntimeError):
    pass


class WebClient:
    def __init__(self, host: str, port: int, *, timeout: float = 60.0, https: bool = True) -> None:
        self.host, self.port, self.timeout, self.https = host, port, timeout, https
        self.cookies: dict[str, str] = {}
        self._connection: http.client.HTTPConnection | None = None

    @property
    def origin(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}:{self.port}"

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "reparo-webclient", "Accept-Language": "en"}
        if self.https:
            headers["X-Forwarded-Proto"] = "https"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        headers.update(extra or {})
        return headers

    def _keep_cookies(self, response: http.client.HTTPResponse) -> None:
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if expired or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def request(
        self, method: str, path: str, *, data: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Response:
        body = urlencode(data or {}, doseq=True).encode() if method == "POST" else None
        extra = dict(headers or {})
        if method == "POST":
            extra.setdefault("Content-Type", "application/x-www-form-urlencoded")
            extra.setdefault("Origin", self.origin)
            extra.setdefault("Referer", f"{self.origin}{path}")
            if CSRF_COOKIE in self.cookies:
                extra.setdefault("X-CSRFToken", self.cookies[CSRF_COOKIE])
        for attempt in (1, 2):
            fresh = self._connection is None
            if fresh:
                self._connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            assert self._connection is not None
            started = time.perf_counter()
            try:
                self._connection.request(method, path, body=body, headers=self._headers(extra))
                raw = self._connection.getresponse()
                payload = raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server had closed: open a new one and send again, once.
                self.close()
                if fresh or attempt == 2:
                    raise
                continue
            seconds = time.perf_counter() - started
            self._keep_cookies(raw)
            if raw.getheader("Connection", "").lower() == "close":
                self.close()
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, payload, seconds)
        raise AssertionError("unreachable")

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        return self.request("POST", path, data=data, **kwargs)

    def post_form(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        """A form post as a browser sends it, with the CSRF token in the form."""
        if CSRF_COOKIE not in self.cookies:
            self.get("/sign-in/")  # any page with a form sets the CSRF cookie
        return self.post(path, {"csrfmiddlewaretoken": self.cookies.get(CSRF_COOKIE, ""), **(data or {})}, **kwargs)

    def sign_in(self, email: str, password: str, code: Any) -> None:
        """Sign in with both factors; ``code()`` gives the authenticator's current code."""
        page = self.get("/sign-in/")
        match = _CSRF_FIELD.search(page.text)
        token = match.group(1) if match else self.cookies.get(CSRF_COOKIE, "")
        first = self.post("/sign-in/", {"csrfmiddlewaretoken": token, "username": email, "password": password})
        if first.status != 302 or "two-factor" not in first.location:
            raise SignInFailed(f"{email}: the password step answered {first.status} {first.location!r}")
        for _attempt in range(3):
            second = self.post_form("/two-factor/", {"token": code()})
            if second.status == 302:
                return
            time.sleep(max(0.5, 30 - time.time() % 30 + 0.5))  # a code works once: wait for the next one
        raise SignInFailed(f"{email}: the code step answered {second.status}")

    def path_of(self, location: str) -> str:
        parts = urlsplit(location)
        return parts.path + (f"?{parts.query}" if parts.query else "")
