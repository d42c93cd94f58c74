"""Roles, two-factor devices, programs and colleagues kept between requests (reparo.accounts.access_cache): a
change made anywhere, by any code, counts on the very next page, and a kept copy never outlives what it copied."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import update_last_login
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from reparo.access import services as access_services
from reparo.accounts import access_cache
from reparo.accounts.backends import UserBackend
from reparo.accounts.models import AccessStamp, Membership, Role, User
from reparo.core import context
from reparo.organisations.models import Organisation, Program
from tests.cases.factories import alice_case
from tests.conftest import CsrfClient, make_user, sign_in, totp_code


def stamp() -> int:
    return AccessStamp.objects.get(pk=1).value


def raw(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _rename(user: User) -> None:
    user.full_name = "Fay"
    user.save()


WRITES: dict[str, Callable[[Any], Any]] = {
    "a user is added": lambda w: make_user("new@example.org", enrolled=False),
    "a user is deactivated (bulk update)": lambda w: User.objects.filter(pk=w["facilitator"].pk).update(
        is_active=False
    ),
    "a user's e-mail changes (raw SQL)": lambda w: raw(
        "UPDATE accounts_user SET email = %s WHERE email = %s", ["x@example.org", w["facilitator"].email]
    ),
    "a user's full name changes (lists of colleagues show names)": lambda w: _rename(w["facilitator"]),
    "a role is given": lambda w: Membership.objects.create(
        user=w["facilitator"], organisation=w.alice_org, role=Role.SUPERVISOR
    ),
    "a role is ended (raw SQL)": lambda w: raw(
        "UPDATE accounts_membership SET is_active = %s WHERE user_id = %s", [False, w["facilitator"].pk.hex]
    ),
    "a role is deleted": lambda w: Membership.objects.filter(user=w["facilitator"]).delete(),
    "an organisation is deactivated": lambda w: Organisation.objects.filter(pk=w.alice_org.pk).update(is_active=False),
    "a program is added": lambda w: Program.objects.create(organisation=w.alice_org, name="Another program"),
    "a program is renamed": lambda w: Program.objects.filter(pk=w.program.pk).update(name="Renamed"),
    "a device is unconfirmed": lambda w: TOTPDevice.objects.filter(user=w["facilitator"]).update(confirmed=False),
    "a device is removed": lambda w: TOTPDevice.objects.filter(user=w["facilitator"]).delete(),
    "backup codes are removed": lambda w: StaticDevice.objects.filter(user=w["facilitator"]).delete(),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_to_what_access_rests_on_gives_a_new_stamp(world: Any, write: str) -> None:
    before = stamp()
    WRITES[write](world)
    assert stamp() != before


def _verify_with_the_app(w: Any) -> None:
    device = TOTPDevice.objects.get(user=w["facilitator"])
    assert device.verify_token(totp_code(device))  # saves the whole row, with new counters


# (A user saved in full renews it: the name is encrypted afresh, with a new nonce, so the database cannot tell an
# unchanged name from a new one. Only edits of the account and password changes save a user in full.)
KEPT: dict[str, Callable[[Any], Any]] = {
    "a case is opened": alice_case,
    "someone signs in (last_login)": lambda w: update_last_login(None, w["facilitator"]),
    "a device verifies a code": _verify_with_the_app,
}


@pytest.mark.parametrize("write", list(KEPT))
def test_writes_that_change_nothing_kept_keep_the_stamp(world: Any, write: str) -> None:
    """Sign-ins would otherwise drop every process's copies many times a day."""
    before = stamp()
    KEPT[write](world)
    assert stamp() == before


def test_a_rolled_back_change_never_brings_its_stamp_back(world: Any) -> None:
    before = stamp()
    seen = set()
    for _ in range(3):
        with pytest.raises(RuntimeError), transaction.atomic():
            Program.objects.create(organisation=world.alice_org, name="Never kept")
            seen.add(stamp())
            raise RuntimeError
        assert stamp() == before
    Program.objects.create(organisation=world.alice_org, name="Kept")
    assert len(seen) == 3 and stamp() not in seen | {before}


def test_the_user_is_read_with_the_stamp_in_one_query(world: Any) -> None:
    with CaptureQueriesContext(connection) as ctx:
        user = UserBackend().get_user(world["coordinator"].pk)
    assert user == world["coordinator"] and user.access_stamp == stamp()  # type: ignore[union-attr]
    assert len(ctx) == 1


def test_outside_a_request_everything_is_read_afresh(world: Any) -> None:
    user = UserBackend().get_user(world["coordinator"].pk)
    calls = []
    for _ in range(2):
        access_cache.shared(user, ("test",), lambda: calls.append(1) or ("value",))
    assert len(calls) == 2


def test_a_page_that_changes_nothing_reuses_a_copy_until_the_stamp_changes(world: Any) -> None:
    user = UserBackend().get_user(world["coordinator"].pk)
    calls: list[int] = []

    def compute() -> tuple[str]:
        calls.append(1)
        return ("value",)

    token = context.bind(context.RequestContext(reads_only=True))
    try:
        assert access_cache.shared(user, ("test",), compute) == ("value",)
        assert access_cache.shared(user, ("test",), compute) == ("value",)
        assert len(calls) == 1
        user.access_stamp += 1  # type: ignore[union-attr]
        access_cache.shared(user, ("test",), compute)
        assert len(calls) == 2
    finally:
        context.reset(token)
    token = context.bind(context.RequestContext(reads_only=False))
    try:
        access_cache.shared(user, ("test",), compute)
        assert len(calls) == 3, "a request that writes reads afresh"
    finally:
        context.reset(token)


def _tables_read(client: Any, method: str, url: str, **data: Any) -> str:
    with CaptureQueriesContext(connection) as ctx:
        getattr(client, method)(url, data)
    return " ".join(q["sql"] for q in ctx.captured_queries)


def test_a_second_page_does_not_read_roles_devices_programs_or_colleagues_again(world: Any) -> None:
    client = sign_in(CsrfClient(), world["coordinator"])
    first = _tables_read(client, "get", "/cases/")
    second = _tables_read(client, "get", "/cases/")
    for table in ("accounts_membership", "otp_totp_totpdevice", "organisations_program"):
        assert f'FROM "{table}"' in first and f'FROM "{table}"' not in second, table
    assert '"accounts_accessstamp"' in second
    post = _tables_read(client, "post_form", "/cases/search/", q="")
    assert 'FROM "otp_totp_totpdevice"' in post, "a request that writes reads the device afresh"


def test_an_ended_role_counts_on_the_very_next_page(world: Any) -> None:
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert case.reference in client.get("/cases/").content.decode()
    raw("UPDATE accounts_membership SET is_active = %s WHERE user_id = %s", [False, world["coordinator"].pk.hex])
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert case.reference not in client.get("/cases/").content.decode()
    Membership.objects.filter(user=world["coordinator"]).update(is_active=True)
    assert client.get(f"/cases/{case.pk}/").status_code == 200


def test_a_deactivated_organisation_counts_on_the_very_next_page(world: Any) -> None:
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    Organisation.objects.filter(pk=world.alice_org.pk).update(is_active=False)
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_a_removed_device_ends_the_second_factor_on_the_very_next_page(world: Any) -> None:
    client = sign_in(CsrfClient(), world["coordinator"])
    assert client.get("/cases/").status_code == 200
    assert client.get("/cases/").status_code == 200
    TOTPDevice.objects.filter(user=world["coordinator"]).delete()
    response = client.get("/cases/")
    assert response.status_code == 302 and "/two-factor/" in response["Location"]


def test_someone_elses_device_does_not_verify_a_session(world: Any) -> None:
    client = sign_in(CsrfClient(), world["coordinator"])
    assert client.get("/cases/").status_code == 200
    TOTPDevice.objects.filter(user=world["coordinator"]).update(user=world["facilitator"])
    response = client.get("/cases/")
    assert response.status_code == 302 and "/two-factor/" in response["Location"]


def test_a_new_colleague_and_a_new_program_show_in_the_filters_on_the_next_page(world: Any) -> None:
    client = sign_in(CsrfClient(), world["coordinator"])
    page = client.get("/cases/").content.decode()
    assert "newcomer@example.org" not in page and "Second program" not in page
    newcomer = make_user("newcomer@example.org")
    Membership.objects.create(user=newcomer, organisation=world.alice_org, role=Role.FACILITATOR)
    Program.objects.create(organisation=world.alice_org, name="Second program")
    page = client.get("/cases/").content.decode()
    assert "newcomer@example.org" in page and "Second program" in page
    User.objects.filter(pk=newcomer.pk).update(is_active=False)
    assert "newcomer@example.org" not in client.get("/cases/").content.decode()


def test_colleagues_of_another_organisation_are_never_shared(world: Any) -> None:
    alice = sign_in(CsrfClient(), world["coordinator"])
    charlie = sign_in(CsrfClient(), world.charlie)
    alice_page = alice.get("/cases/").content.decode()
    charlie_page = charlie.get("/cases/").content.decode()
    assert world.charlie.email not in alice_page
    assert world["facilitator"].email not in charlie_page and world.program.name not in charlie_page


@pytest.fixture
def fresh_trigger_check() -> Any:
    access_cache.stamp_kept_by_triggers.cache_clear()
    yield
    access_cache.stamp_kept_by_triggers.cache_clear()


def test_the_triggers_are_in_place_after_migrating(db: Any, fresh_trigger_check: Any) -> None:
    assert access_cache.stamp_kept_by_triggers()


def test_without_its_triggers_nothing_is_shared_and_an_ended_role_still_counts(
    world: Any, fresh_trigger_check: Any
) -> None:
    """A database restored without the triggers: the stamp would never move, so copies must not be used."""
    case = alice_case(world)
    client = sign_in(CsrfClient(), world["coordinator"])
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    on_table = " ON accounts_membership" if connection.vendor == "postgresql" else ""
    raw(f"DROP TRIGGER accounts_membership_access_update{on_table}", [])
    access_cache.stamp_kept_by_triggers.cache_clear()
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert 'FROM "accounts_membership"' in _tables_read(client, "get", "/cases/"), "roles are read afresh"
    Membership.objects.filter(user=world["coordinator"]).update(is_active=False)
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_a_role_ended_while_a_page_reads_counts_for_the_rest_of_that_page(world: Any) -> None:
    """Even a GET that changes a membership (through the services) stops using shared copies at once."""
    from reparo.access.actors import active_roles

    facilitator = UserBackend().get_user(world["facilitator"].pk)
    token, cache_token = context.bind(context.RequestContext(reads_only=True)), context.bind_cache()
    try:
        assert active_roles(facilitator)
        assert active_roles(facilitator), "kept, and read again from the kept copy"
        membership = Membership.objects.get(user=world["facilitator"], organisation=world.alice_org)
        access_services.membership_end(actor=world["org_admin"], membership=membership)
        assert active_roles(facilitator) == ()
        assert not context.current().reads_only
    finally:
        context.reset_cache(cache_token)
        context.reset(token)
