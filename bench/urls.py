"""Reparo's URLs plus two admin sites used as baselines by the case benchmark."""

from django.urls import include, path

from bench.admin import naive_site, site

urlpatterns = [
    path("bench-admin/", site.urls),
    path("bench-admin-naive/", naive_site.urls),
    path("", include("reparo.urls")),
]
