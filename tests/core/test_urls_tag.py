"""``{% url %}`` with each view's URL kept once a process (reparo.core.templatetags.urls): the same text as Django's
``reverse`` for every named URL of the project, and the same errors."""

import random
import uuid
from typing import Any

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, StringConverter, UUIDConverter

from reparo.core.converters import MAX_ID, IdConverter
from reparo.core.templatetags.urls import _kept, url_for


def _named_patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += _named_patterns(entry, inner)
        elif entry.name:
            found.append((namespace + entry.name, entry))
    return found


def _value_for(converter: Any, rng: random.Random) -> Any:
    if isinstance(converter, UUIDConverter):
        return uuid.UUID(int=rng.getrandbits(128))
    if isinstance(converter, IdConverter | IntConverter):
        return rng.choice([0, 1, rng.randrange(MAX_ID), MAX_ID])
    if isinstance(converter, StringConverter):
        return rng.choice(["team", "task", "need", "harm"])
    return None


def _arguments(pattern: URLPattern, rng: random.Random) -> list[Any] | None:
    converters = pattern.pattern.converters
    values = [_value_for(converter, rng) for converter in converters.values()]
    return None if any(value is None for value in values) else values


def test_it_writes_every_url_of_the_project_as_django_reverses_it():
    rng = random.Random(20)
    checked = 0
    for name, pattern in _named_patterns(get_resolver()):
        for _round in range(3):
            args = _arguments(pattern, rng)
            if args is None:
                break
            try:
                expected = reverse(name, args=args)
            except NoReverseMatch:
                with pytest.raises(NoReverseMatch):
                    url_for(name, args, {}, None)
                continue
            assert url_for(name, args, {}, None) == expected, name
            checked += 1
    assert checked > 300  # the project's URLs with ids were all tried (not a test of nothing)


def test_it_keeps_one_text_for_each_view_and_kind_of_argument():
    _kept.cache_clear()
    for _case in range(20):
        url_for("cases:form", [uuid.uuid4(), "team"], {}, None)
        url_for("cases:detail", [uuid.uuid4()], {}, None)
    assert _kept.cache_info().misses == 2


@pytest.mark.parametrize(
    "args",
    [
        [-1],  # no id is negative: Django's answer, an error
        [True],
        ["a/b"],
        [MAX_ID + 1],
        ["not-a-uuid"],
    ],
)
def test_it_leaves_what_is_not_an_id_to_django(args):
    try:
        expected: Any = reverse("cases:detail", args=args)
    except NoReverseMatch as error:
        expected = type(error)
    try:
        got: Any = url_for("cases:detail", args, {}, None)
    except NoReverseMatch as error:
        got = type(error)
    assert got == expected


def test_it_renders_and_fails_as_djangos_tag():
    pk = uuid.uuid4()
    rendered = Template("{% url 'cases:form' pk 'team' %}|{% url 'cases:nothing' pk as gone %}[{{ gone }}]").render(
        Context({"pk": pk})
    )
    assert rendered == f"{reverse('cases:form', args=[pk, 'team'])}|[]"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'cases:nothing' pk %}").render(Context({"pk": pk}))
    assert Template("{% url 'cases:detail' pk=pk %}").render(Context({"pk": pk})) == f"/cases/{pk}/"


def test_it_follows_a_changed_root_urlconf():
    from django.test import override_settings

    pk = uuid.uuid4()
    template = Template("{% url 'cases:detail' pk %}")
    assert template.render(Context({"pk": pk})) == reverse("cases:detail", args=[pk])
    with override_settings(ROOT_URLCONF="tests.core.alt_urls"):
        expected = reverse("cases:detail", args=[pk])
        assert expected.startswith("/elsewhere/")
        assert template.render(Context({"pk": pk})) == expected
