"""A stand-in for ODK Central at the HTTP layer: pyodk's requests never leave the process.

``StubCentral.install(monkeypatch)`` replaces ``requests.adapters.HTTPAdapter.send`` (the last step before a socket),
so that pyodk builds its requests exactly as it would for a real server and gets answers read from the recorded
response in ``tests/data/odk_central/submissions.json``. It answers the three calls a pull makes — sign in
(``POST /v1/sessions``), the form's OData ``Submissions`` table page by page (``$top``, ``$skip``, ``$count``), sign
out (``DELETE /v1/sessions/current``) — checks the bearer token, and fails the test on any other address.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import HTTPAdapter

from reparo.config import OdkCentral

RECORDED = Path(__file__).resolve().parents[1] / "data" / "odk_central" / "submissions.json"
URL = "https://central.example.org"
TOKEN = "lSpAIeksRu1CNZs7!qjAot2T17dPzkrw9B4iTtpj7OoIJBmXvnHM8z8Ka4QPEjR7"
CONF = OdkCentral(url=URL, project=7, form="htcds_xlsform", username="reparo@example.org", password="field-secret-1")


@dataclass
class StubCentral:
    submissions: list[dict[str, Any]] = field(default_factory=lambda: json.loads(RECORDED.read_text())["value"])
    conf: OdkCentral = CONF
    down: bool = False  # the server cannot be reached
    calls: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query)
    signed_in: bool = False

    def install(self, monkeypatch: Any) -> StubCentral:
        stub = self

        def send(adapter: HTTPAdapter, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            return stub.answer(request)

        monkeypatch.setattr(HTTPAdapter, "send", send)
        return self

    def answer(self, request: requests.PreparedRequest) -> requests.Response:
        parts = urlsplit(request.url or "")
        self.calls.append((request.method or "", parts.path + (f"?{parts.query}" if parts.query else "")))
        if self.down:
            raise requests.ConnectionError("stub: Central is down")
        assert f"{parts.scheme}://{parts.netloc}" == self.conf.url, f"a request left for {request.url}"
        if request.method == "POST" and parts.path == "/v1/sessions":
            given = json.loads(request.body or b"{}")
            if given != {"email": self.conf.username, "password": self.conf.password}:
                return _json(request, 401, {"code": 401.2, "message": "Could not authenticate with the provided "
                                                                      "credentials."})  # fmt: skip
            self.signed_in = True
            return _json(request, 200, {"token": TOKEN, "createdAt": "2025-03-10T12:00:00.000Z",
                                        "expiresAt": "2025-03-11T12:00:00.000Z"})  # fmt: skip
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json(request, 401, {"code": 401.2, "message": "Could not authenticate."})
        table = f"/v1/projects/{self.conf.project}/forms/{self.conf.form}.svc/Submissions"
        if request.method == "GET" and parts.path == table:
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            skip, top = int(query.get("$skip", 0)), int(query.get("$top", len(self.submissions)))
            page: dict[str, Any] = {
                "@odata.context": f"{self.conf.url}/v1/projects/{self.conf.project}/forms/{self.conf.form}.svc/"
                "$metadata#Submissions",
                "value": self.submissions[skip : skip + top],
            }
            if query.get("$count") == "true":
                page["@odata.count"] = len(self.submissions)
            return _json(request, 200, page)
        if request.method == "GET" and parts.path.startswith("/v1/projects/"):
            return _json(request, 404, {"code": 404.1, "message": "Could not find the resource you were looking for."})
        if request.method == "DELETE" and parts.path == "/v1/sessions/current":
            self.signed_in = False
            return _json(request, 200, {"success": True})
        raise AssertionError(f"the stub has no answer for {request.method} {request.url}")

    def tables_read(self) -> list[str]:
        return [path for method, path in self.calls if method == "GET"]


def _json(request: requests.PreparedRequest, status: int, body: Any) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.encoding = "utf-8"
    response.url = request.url or ""
    response.request = request
    return response
