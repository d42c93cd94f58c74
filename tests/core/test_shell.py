"""The main menu's tag renders what the template loop it replaced rendered."""

from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import translation
from django.utils.translation import gettext_lazy

LOOP = """{% for item in navigation %}
          <li><a href="{{ item.url }}"{% if request.path == item.url %} aria-current="page"{% endif %}>{{ item.label }}</a></li>
          {% endfor %}"""  # noqa: E501 - templates/base.html before the tag
TAG = "{% load shell %}{% menu_items navigation request.path %}"


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize("path", ["/cases/", "/", "/elsewhere/"])
def test_the_menu_tag_renders_what_the_loop_rendered(language, path):
    navigation = [
        SimpleNamespace(url="/", label=gettext_lazy("Home")),
        SimpleNamespace(url="/cases/", label=gettext_lazy("Cases")),
        SimpleNamespace(url='/a"b/<c>/', label='a "quoted" <b>label</b> & more'),
    ]
    context = {"navigation": navigation, "request": SimpleNamespace(path=path)}
    with translation.override(language):
        loop = engines["django"].from_string(LOOP).render(context)
        tag = engines["django"].from_string(TAG).render(context)
    assert tag == loop
    assert ('aria-current="page"' in tag) == (path in ("/", "/cases/"))


def test_an_empty_menu_renders_nothing():
    context = {"navigation": [], "request": SimpleNamespace(path="/")}
    assert engines["django"].from_string(TAG).render(context) == ""
