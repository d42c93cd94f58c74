"""A row's link built from a URL reversed once per list is the URL Django would reverse for that row."""

import uuid

from django.urls import reverse

from reparo.core.row_urls import row_url


def test_it_links_each_row_as_reverse_would():
    case = uuid.uuid4()
    for name, placeholder, rows in (
        ("cases:detail", uuid.UUID(int=0), [uuid.uuid4(), uuid.uuid4()]),
        ("cases:task_complete", uuid.UUID(int=0), [uuid.uuid4()]),
        ("cases:team_remove", 2147483647, [7, 12, 2147483647]),
    ):
        before = [] if name == "cases:detail" else [case]
        prefix, suffix = row_url(name, placeholder, before=before)
        for pk in rows:
            assert f"{prefix}{pk}{suffix}" == reverse(name, args=[*before, pk])


def test_arguments_that_contain_the_placeholder_do_not_move_the_split():
    case = uuid.UUID("21474836-4721-4748-8364-721474836470")  # the int placeholder's digits, more than once
    prefix, suffix = row_url("cases:team_remove", 2147483647, before=[case])
    assert f"{prefix}5{suffix}" == reverse("cases:team_remove", args=[case, 5])
