"""A second URLconf for tests/core/test_urls_tag.py: the case views under another prefix."""

from django.urls import include, path

urlpatterns = [path("elsewhere/cases/", include("reparo.cases.urls"))]
