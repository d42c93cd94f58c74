"""Shared fixtures: a CSRF-enforcing client, one user per role in Alice's organisation, and Charlie, an
outsider in another organisation who must see nothing of Alice's; a read replica alias for tests of what reads
where; the same action run twice at the same moment (:func:`at_once`)."""

from __future__ import annotations

import copy
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.accounts.backends import USER_BACKEND
from reparo.accounts.models import Membership, Role, User
from reparo.accounts.services import REAUTH_AT_KEY
from reparo.core.routers import REPLICA
from reparo.organisations.models import HTCDSOrganisationType, Organisation, OrganisationKind, Program

# Fixtures for background jobs (a kind made for the tests, a queue that only queues), for tests/jobs and the browser.
pytest_plugins = ["tests.jobs.fixtures"]

PASSWORD = "correct horse battery staple 42"
TOTP_KEY_HEX = "3132333435363738393031323334353637383930"  # RFC 6238 test key


class CsrfClient(Client):
    """A test client that enforces CSRF, with ``post_form`` sending the token a browser would send."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(enforce_csrf_checks=True, **kwargs)

    def csrf_token(self) -> str:
        if "reparo_csrf" not in self.cookies:
            # As a browser would have it from an earlier page: a CSRF cookie and the same token in the form.
            self.cookies["reparo_csrf"] = _get_new_csrf_string()
        return self.cookies["reparo_csrf"].value

    def post_form(self, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        payload = {"csrfmiddlewaretoken": self.csrf_token(), **(data or {})}
        return self.post(path, payload, **kwargs)


@pytest.fixture
def client() -> CsrfClient:
    return CsrfClient()


def totp_code(device: TOTPDevice, *, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset_steps * device.step
    return f"{totp.token():0{device.digits}d}"


def make_user(email: str, *, enrolled: bool = True, full_name: str = "") -> User:
    user = User.objects.create_user(email, PASSWORD, full_name=full_name or None)
    if enrolled:
        TOTPDevice.objects.create(user=user, name="phone", key=TOTP_KEY_HEX, confirmed=True)
        backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
        StaticToken.objects.create(device=backup, token="backup01")
        StaticToken.objects.create(device=backup, token="backup02")
    return user


def sign_in(client: Client, user: User) -> Client:
    """Signed in with both factors, as after a real sign-in (the sign-in itself is tested on its own)."""
    client.force_login(user, backend=USER_BACKEND)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    assert device is not None, "sign_in() needs an enrolled user"
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def reauthenticated(client: Client) -> Client:
    """As just after confirming the password and a code again on the re-authentication page (tested on its own in
    tests/accounts/test_reauth.py): changes to how the account signs in are open for a few minutes."""
    session = client.session
    session[REAUTH_AT_KEY] = time.time()
    session.save()
    return client


@dataclass
class World:
    alice_org: Organisation
    charlie_org: Organisation
    partner: Organisation
    program: Program
    users: dict[str, User]
    charlie: User

    def __getitem__(self, role: str) -> User:
        return self.users[role]


@pytest.fixture
def world(db: Any) -> World:
    alice_org = Organisation.objects.create(
        name="Alice Restorative Service", kind=OrganisationKind.OPERATOR, htcds_type=HTCDSOrganisationType.NGO
    )
    charlie_org = Organisation.objects.create(
        name="Charlie Mediation", kind=OrganisationKind.OPERATOR, htcds_type=HTCDSOrganisationType.NGO
    )
    partner = Organisation.objects.create(
        name="Bob Legal Aid", kind=OrganisationKind.PARTNER, htcds_type=HTCDSOrganisationType.LEGAL_SERVICE
    )
    program = Program.objects.create(organisation=alice_org, name="Dialogue program")
    users = {}
    for role in Role.values:
        user = make_user(f"{role.replace('_', '.')}@alice.example", full_name=f"Alice {role}")
        home = partner if role in (Role.PARTNER_LIAISON, Role.PARTNER_WORKER) else alice_org
        Membership.objects.create(user=user, organisation=home, role=role)
        users[role] = user
    charlie = make_user("charlie@charlie.example", full_name="Charlie Outsider")
    Membership.objects.create(user=charlie, organisation=charlie_org, role=Role.ORG_ADMIN)
    return World(alice_org, charlie_org, partner, program, users, charlie)


TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S)


ID_RE = re.compile(r"""\sid=["']([^"']+)["']""")


def duplicate_ids(html: str) -> list[str]:
    """The element ids a page uses more than once (a label would point at the wrong field)."""
    seen: dict[str, int] = {}
    for found in ID_RE.findall(html):
        seen[found] = seen.get(found, 0) + 1
    return sorted(found for found, count in seen.items() if count > 1)


def page_title(html: str) -> str:
    match = TITLE_RE.search(html)
    return match.group(1).strip() if match else ""


@pytest.fixture(autouse=True)
def _english_by_default():
    """Each test starts in English: a request made in Spanish leaves Spanish active on the thread (Django's
    LocaleMiddleware activates, and nothing deactivates), which would leak into the next test."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def replica(transactional_db: Any, django_db_blocker: Any) -> Iterator[None]:
    """A ``replica`` database alias pointing at the test database on the same server (PostgreSQL: a second connection
    to the same database; SQLite: the same shared in-memory database), added for the test. Only for transactional
    tests (``@pytest.mark.django_db(transaction=True)``): the replica sees what is committed, as a server's does."""
    connections.settings[REPLICA] = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    try:
        # Django's test case refuses connections to aliases a test did not declare, and the alias is added only now,
        # after that check was set up: let this test's connections through.
        with django_db_blocker.unblock():
            yield
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def captured_per_database() -> tuple[CaptureQueriesContext, CaptureQueriesContext]:
    """Query captures for the primary and the replica (enter both): which queries went where."""
    return CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]), CaptureQueriesContext(connections[REPLICA])


T = TypeVar("T")


def at_once(action: Callable[[], T], *, times: int = 2) -> list[T]:
    """What ``action()`` returned, run by ``times`` threads at the same moment, each on its own database connection (a
    double tap: two requests). Only in transactional tests (``@pytest.mark.django_db(transaction=True)``): each
    thread sees what the others commit. On PostgreSQL a thread waits at the lock or unique index another holds; SQLite's
    shared in-memory test database answers "locked" at once instead, so the thread tries again for up to 30 seconds
    (as a database file's busy timeout would). Anything else a thread raises is raised here, failing the test."""
    barrier = threading.Barrier(times)
    results: list[T] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            deadline = time.monotonic() + 30
            while True:
                try:
                    results.append(action())
                    return
                except OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread, below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _n in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if failures:
        raise failures[0]
    assert len(results) == times, "a thread did not finish in time"
    return results
