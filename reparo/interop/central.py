"""Reading the submissions of the HTCDS form from ODK Central, with pyodk (decision 0069).

Where: ``settings.ODK_CENTRAL`` (the ``ODK_CENTRAL_*`` environment variables, see docs/configuration.md). How: pyodk
signs in as the configured web user (the session token is kept in memory only, never in a cache file), reads the
form's OData ``Submissions`` table page by page, and signs out. Nothing here writes to the database: the submissions
are handed to :func:`reparo.interop.services.field_intake_receive`.

A submission as OData gives it is an object: the form's answers (a group as a nested object, a multiple choice as
its choice names separated by spaces), ``meta`` with the ``instanceID``, ``__id`` (the submission's id in Central,
which stays the same when the submission is edited) and ``__system`` (when and by whom it was sent, its review
state). :func:`flatten` turns it into the columns an ODK Central CSV export has, for the one alias map of
:mod:`reparo.interop.importing`.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from reparo.config import OdkCentral

log = logging.getLogger(__name__)

PAGE = 250  # submissions per request
MAX_SUBMISSIONS = 50_000  # as many as one file import reads


class CentralUnavailable(Exception):
    """ODK Central could not be read; ``reason`` says why in plain words (no server output, no secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Submission:
    instance_id: str
    submitted_at: datetime.datetime | None
    review_state: str
    columns: dict[str, str] = field(default_factory=dict)  # column as an ODK Central CSV names it -> answer


def _client(conf: OdkCentral) -> Any:
    from pyodk._utils.config import CentralConfig, Config
    from pyodk._utils.session import Session
    from pyodk.client import Client

    config = Config(
        central=CentralConfig(
            base_url=conf.url, username=conf.username, password=conf.password, default_project_id=conf.project
        )
    )
    # cache_path=None: the token stays in this session's memory; pyodk would otherwise write it to a file at home.
    session = Session(
        base_url=conf.url, api_version="v1", username=conf.username, password=conf.password, cache_path=None
    )
    return Client(config=config, session=session, project_id=conf.project)


def _reason(exc: Exception) -> str:
    response = exc.args[1] if len(exc.args) > 1 else getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    if status in (401, 403):
        return _("ODK Central did not accept the user name and password, or that user may not read this form.")
    if status == 404:
        return _("ODK Central has no such project or form. Check ODK_CENTRAL_PROJECT and ODK_CENTRAL_FORM.")
    if status is not None:
        return _("ODK Central answered with an error (%(status)s). Try again later.") % {"status": status}
    return _("ODK Central could not be reached. Check ODK_CENTRAL_URL and the network, then try again.")


def fetch(conf: OdkCentral) -> list[Submission]:
    """Every submission of the configured form, oldest first. Raises :class:`CentralUnavailable`."""
    import requests
    from pyodk.errors import PyODKError

    found: list[Submission] = []
    client = _client(conf)
    try:
        with client:
            for row in _pages(client, conf):
                found.append(submission(row))
                if len(found) > MAX_SUBMISSIONS:
                    raise CentralUnavailable(_("The form has more than 50,000 submissions; archive older ones."))
            _sign_out(client)
    except (PyODKError, requests.RequestException) as exc:
        log.warning("ODK Central could not be read: %s", type(exc).__name__)
        raise CentralUnavailable(_reason(exc)) from None
    except ValueError:  # an answer that is not JSON
        raise CentralUnavailable(_("ODK Central's answer could not be read.")) from None
    found.sort(key=lambda s: (s.submitted_at or datetime.datetime.max.replace(tzinfo=datetime.UTC), s.instance_id))
    return found


def _pages(client: Any, conf: OdkCentral) -> Iterator[Mapping[str, Any]]:
    """Page after page (``$top``, ``$skip``) until one is not full. (``$count`` is not asked for: pyodk would send
    ``True`` where OData writes ``true``.)"""
    skip = 0
    while True:
        page = client.submissions.get_table(
            form_id=conf.form, project_id=conf.project, table_name="Submissions", skip=skip, top=PAGE
        )
        rows = page.get("value") if isinstance(page, Mapping) else None
        if not isinstance(rows, list):
            raise ValueError("no value list")
        yield from (row for row in rows if isinstance(row, Mapping))
        skip += len(rows)
        if len(rows) < PAGE:
            return


def _sign_out(client: Any) -> None:
    """End the session in Central (pyodk leaves it open until it expires). A failure here loses nothing."""
    try:
        client.session.delete("sessions/current")
    except Exception:  # noqa: BLE001 - best effort: the token expires in Central anyway
        log.info("ODK Central session could not be ended; it will expire.")


def submission(row: Mapping[str, Any]) -> Submission:
    """One OData submission as a :class:`Submission`."""
    system = row.get("__system") if isinstance(row.get("__system"), Mapping) else {}
    meta = row.get("meta") if isinstance(row.get("meta"), Mapping) else {}
    instance_id = str(row.get("__id") or meta.get("instanceID") or "").strip()  # type: ignore[union-attr]
    submitted = parse_datetime(str(system.get("submissionDate") or ""))  # type: ignore[union-attr]
    return Submission(
        instance_id=instance_id,
        submitted_at=submitted,
        review_state=str(system.get("reviewState") or "received"),  # type: ignore[union-attr]
        columns=flatten(row),
    )


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """The answers of a submission as an ODK Central CSV has them: groups joined with ``-``, a multiple choice as its
    choice names separated by spaces, nothing for an unanswered question. ``__id`` and ``__system`` are left out; a
    repeat (a list) is kept as one column that the alias map does not know, so that it is reported, not lost
    silently."""
    out: dict[str, str] = {}
    for key, value in row.items():
        if key.startswith("__"):
            continue
        name = f"{prefix}-{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten(value, name))
        elif isinstance(value, list):
            out[name] = f"[{len(value)}]"
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif value is None:
            out[name] = ""
        else:
            out[name] = str(value)
    return out
