"""A published release cannot be edited or deleted: not through the model, not through a queryset, not in SQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from reparo.releases import services
from reparo.releases.models import Release, ReleaseImmutableError

pytestmark = pytest.mark.django_db


@pytest.fixture
def release(world: Any) -> Release:
    return services.release_publish(
        actor=world["org_admin"], organisation=world.alice_org, title="Year figures", epsilon="1",
        tables_chosen=["agreements"],
    )  # fmt: skip


def test_a_published_release_cannot_be_edited(release: Release) -> None:
    release.title = "Something else"
    release.tables = [{"key": "agreements", "epsilon": "1", "margin": 0, "cells": {"completed": 999}}]
    with pytest.raises(ReleaseImmutableError):
        release.save()
    with pytest.raises(ReleaseImmutableError):
        Release.objects.filter(pk=release.pk).update(epsilon_milli=1)
    with pytest.raises(ReleaseImmutableError):
        Release.objects.bulk_update([release], ["title"])
    with pytest.raises(ReleaseImmutableError):
        release.delete()
    with pytest.raises(ReleaseImmutableError):
        Release.objects.filter(pk=release.pk).delete()
    stored = Release.objects.get(pk=release.pk)
    assert stored.title == "Year figures" and stored.tables[0]["key"] == "agreements"


@pytest.mark.parametrize(
    "sql",
    ["UPDATE releases_release SET epsilon_milli = 1 WHERE id = %s", "DELETE FROM releases_release WHERE id = %s"],
)
def test_the_database_refuses_to_change_or_delete_a_release(release: Release, sql: str) -> None:
    pk = release.pk.hex if connection.vendor == "sqlite" else release.pk
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [pk])
    assert Release.objects.get(pk=release.pk).epsilon_milli == 1000
